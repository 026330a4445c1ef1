"""The page itself: its id, name, URL and settings (read only)."""

from __future__ import annotations

from app.api.v1 import bp, route
from app.api.v1.docs import document
from app.api.v1.present import Page, as_json


@route("/page", page_scoped=False)
@document("Read the page and its settings", response="page_settings")
def page_settings():
    return as_json(Page().document())


bp.add_url_rule("/pages/<page_id>", endpoint="page_settings", methods=["GET"])
