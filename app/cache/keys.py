"""What picks one cached response: the encoding and the ETag.

Plain functions over header values, so the `public_cached` decorator (inside
Flask) and the WSGI fast path (in front of it) choose exactly alike. The URL
part of the key is the view's declared query arguments (args.py).
"""

from __future__ import annotations

from functools import lru_cache

from werkzeug.http import parse_accept_header, parse_etags

from app.cache.store import Entry

ENCODINGS = ("identity", "br", "gzip")


def etag(tag: str, encoding: str) -> str:
    """The quoted ETag of one encoding of one generation."""
    return f'"{tag}"' if encoding == "identity" else f'"{tag}-{encoding}"'


def matching_etag(tag: str, if_none_match: str | None) -> tuple[str, str] | None:
    """The ETag (and its encoding) the client already holds for this generation, if any."""
    if if_none_match is None:
        return None
    wanted = parse_etags(if_none_match)
    for encoding in ENCODINGS:
        plain = tag if encoding == "identity" else f"{tag}-{encoding}"
        if wanted.contains_weak(plain):
            return etag(tag, encoding), encoding
    return None


def etag_of_generation(generation: str, if_none_match: str | None) -> str | None:
    """The first ETag the client holds that was issued for `generation` (any clock bucket)."""
    if not if_none_match:
        return None
    for held in sorted(parse_etags(if_none_match).as_set(include_weak=True)):
        tag = held
        for encoding in ENCODINGS[1:]:
            tag = tag.removesuffix(f"-{encoding}")
        if tag.rpartition(".")[0] == generation:
            return f'"{held}"'
    return None


def choose_encoding(entry: Entry, accept_encoding: str | None) -> str:
    """The body to send for an `Accept-Encoding` header value (None: no header)."""
    if len(entry.bodies) == 1 or accept_encoding is None:
        return "identity"
    return _preferred_encoding(accept_encoding)


@lru_cache(maxsize=256)
def _preferred_encoding(accept_encoding: str) -> str:
    # Browsers send a handful of distinct values; parsing each once is enough.
    accepted = parse_accept_header(accept_encoding)
    best, best_quality = "identity", 0.0
    for encoding in ("br", "gzip"):
        quality = accepted[encoding]
        if quality > best_quality:
            best, best_quality = encoding, quality
    return best
