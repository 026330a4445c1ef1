"""What picks one cached response: the URL key, the encoding, and the ETag.

Plain functions over header values and the URL, so the `public_cached`
decorator (inside Flask) and the WSGI fast path (in front of it) choose
exactly alike.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.http import parse_accept_header, parse_etags

from app.cache.store import Entry

ENCODINGS = ("identity", "br", "gzip")


class ArgsRecorder(ImmutableMultiDict):
    """`request.args` during a render, noting which arguments the view reads."""

    def __init__(self, args):
        super().__init__(args)
        self.read: set[str] = set()
        self.read_all = False

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)

    def _everything(self, name):
        self.read_all = True
        return getattr(super(), name)

    def __iter__(self):
        return self._everything("__iter__")()

    def keys(self):
        return self._everything("keys")()

    def values(self):
        return self._everything("values")()

    def items(self, multi=False):
        return self._everything("items")(multi)

    def lists(self):
        return self._everything("lists")()

    def to_dict(self, flat=True):
        return self._everything("to_dict")(flat)

    def __len__(self):
        return self._everything("__len__")()


def url_key(
    arg_names: dict[str, tuple[str, ...] | None],
    endpoint: str | None,
    path: str,
    query_string: bytes,
    args,
) -> str:
    """The path plus only the query arguments the endpoint's view reads.

    A view's output may depend on the query only through `request.args`.
    Until an endpoint has rendered once, and for views that read every
    argument, the whole query string is the key; after that, only the
    arguments renders have read. Cache busters (`/?_=1712345`) then share one
    entry instead of costing a render each. Sound because the arguments a
    render reads depend only on values already in the key.
    """
    names = arg_names.get(endpoint)
    if names is None:  # never rendered here, or reads them all
        return f"|{path}|?{query_string.decode('latin-1')}"
    values = urlencode([(name, value) for name in names for value in args.getlist(name)])
    return f"|{path}|{','.join(names)}|{values}"


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
