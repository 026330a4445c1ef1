"""A Statuspage-compatible page on 127.0.0.1 for the upstream tests: it serves a summary
built from the captured GitHub incident (tests/fixtures/statuspage-incident-sample.json),
with an ETag, and answers as a test tells it: 304s, 500s, a hang, bad JSON, too much."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLE = json.loads(
    (Path(__file__).parent / "fixtures" / "statuspage-incident-sample.json").read_text("utf-8")
)
PATH = "/api/v2/summary.json"


def summary(*, incidents: bool = True) -> dict:
    """GitHub's page with Codespaces (from the sample) and a second component, Actions;
    the sample's incident as still open (investigating) when `incidents`."""
    codespaces = copy.deepcopy(SAMPLE["incident"]["components"][0])
    actions = dict(codespaces, id="br0l2tvcx85d", name="Actions", position=11)
    incident = copy.deepcopy(SAMPLE["incident"])
    incident["status"] = "investigating"
    incident["resolved_at"] = None
    incident["incident_updates"] = incident["incident_updates"][1:]  # the first, open update
    return {
        "page": SAMPLE["page"],
        "status": {"indicator": "minor", "description": "Minor Service Outage"},
        "components": [codespaces, actions],
        "incidents": [incident] if incidents else [],
        "scheduled_maintenances": [],
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self):  # noqa: N802 - the name http.server calls
        page = self.server.page
        page.requests.append(dict(self.headers.items()))
        if page.hang:
            page.release.wait(30)
            return
        if page.status != 200:
            self._answer(page.status, b"upstream trouble")
            return
        body = page.raw if page.raw is not None else json.dumps(page.document).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._answer(304, b"", etag)
            return
        self._answer(200, body, etag)

    def _answer(self, status: int, body: bytes, etag: str | None = None) -> None:
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    page: UpstreamPage


class UpstreamPage:
    """The page, in a thread; change `document`, `status`, `raw` or `hang` as a test goes."""

    def __init__(self):
        self.document = summary()
        self.status = 200
        self.raw: bytes | None = None  # sent instead of the document (bad JSON, too much)
        self.hang = False
        self.release = threading.Event()
        self.requests: list[dict] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.page = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def set_status(self, component: str, status: str) -> None:
        for item in self.document["components"]:
            if item["name"] == component:
                item["status"] = status

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
