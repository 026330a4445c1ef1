"""`Idempotency-Key` on POST: a retried request creates nothing twice.

The first request with a key reserves it; a successful answer is kept for 24 hours
and replayed, byte for byte, to a retry with the same key (a refused request wrote
nothing, so its key is freed for the corrected retry). The same key with another
body is refused (422), and a retry while the first still runs is told to wait (409).
"""

from __future__ import annotations

import hashlib
import re
from functools import wraps

from flask import Response, make_response, request

from app.api.v1 import current_token
from app.api.v1.body import body_bytes
from app.api.v1.errors import ApiError
from app.services import idempotency
from app.services.errors import Conflict

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
HEADER = "Idempotency-Key"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body_bytes()):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _replay(stored: idempotency.Stored, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise ApiError(
            422,
            f"This {HEADER} was already used for a different request; use a new key.",
            {HEADER: "Used before with another body or URL."},
        )
    if stored.status_code is None:
        raise ApiError(409, f"A request with this {HEADER} is still running; retry shortly.")
    response = Response(
        stored.response_body, status=stored.status_code, mimetype="application/json"
    )
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise ApiError(
                400,
                f"{HEADER} must be 1 to 255 visible ASCII characters (a UUID is ideal).",
                {HEADER: "Not a usable key."},
            )
        token_id = current_token().id
        fingerprint = _fingerprint()
        try:
            stored = idempotency.reserve(token_id, key, fingerprint)
        except Conflict:
            raise ApiError(409, f"A request with this {HEADER} is still running.") from None
        if stored is not None:
            return _replay(stored, fingerprint)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            # Refused or failed: nothing was written, so a corrected retry may reuse the key.
            idempotency.release(token_id, key)
            raise
        if response.status_code >= 400:
            idempotency.release(token_id, key)
        else:
            idempotency.finish(token_id, key, response.status_code, response.get_data(as_text=True))
        return response

    wrapper.idempotent = True
    return wrapper
