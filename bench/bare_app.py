"""Baseline (a): a bare Flask endpoint returning the same bytes as Herald's `/`.

    BENCH_BODY_FILE=/tmp/index.html gunicorn -w 2 -k gthread --threads 4 bench.bare_app:app

No database, no cache, no extensions: what Flask under the same gunicorn
settings costs, against which Herald's cached pages are compared.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()


@app.route("/")
def index():
    return Response(BODY, mimetype="text/html")
