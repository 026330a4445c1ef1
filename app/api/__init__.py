"""Machine-readable faces: v2 (Statuspage-compatible, public)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import v2  # noqa: E402, F401
