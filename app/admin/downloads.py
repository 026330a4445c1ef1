"""CSV downloads from the admin: streamed, so a large export never sits in memory."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app

from app.models import utcnow
from app.services.csv_export import BYTE_ORDER_MARK


def csv_download(lines: Iterator[str], stem: str) -> Response:
    """`lines` (not yet started) as `<stem>-<today>.csv`, streamed after the request ends."""
    app = current_app._get_current_object()

    def body():
        # The rows are read while the response streams, after the request's context has
        # ended: in a context of their own, entered only once the download starts.
        with app.app_context():
            yield BYTE_ORDER_MARK
            yield from lines

    return Response(
        body(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}-{utcnow():%Y-%m-%d}.csv"',
            "Cache-Control": "no-store",
        },
    )
