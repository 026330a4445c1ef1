"""Machine-readable faces: v2 (Statuspage-compatible, public).

The view modules put their routes on `bp`; `app.api.views` loads them all,
and the factory registers the blueprint from there.
"""

from flask import Blueprint

bp = Blueprint("api", __name__)
