"""Rendered entries, their compressed variants, and where they are kept.

An entry is one rendered 200 response with its gzip and brotli variants and
the cache generation (tag) it was rendered in. The store keeps one entry per
URL key, the latest: a request is a hit when the entry's tag is the current
one, and when the database cannot be asked, the entry is the last good render
to serve. Entries live in an LRU in the process, bounded by bytes (every
encoding counted), behind Redis when `REDIS_URL` is set (a render done on one
host then serves every host); Redis keeps each entry for a bounded time and
skips entries above a size cap.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

import brotli

from app.outage import Outage

log = logging.getLogger("herald.cache")

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_REDIS_TTL = 3600
DEFAULT_REDIS_MAX_ENTRY_BYTES = 1024 * 1024
# What an entry costs beyond its bodies and texts (measured with tracemalloc): the objects
# holding it, its key and LRU link, and per header the tuple and two str objects.
_ENTRY_OVERHEAD = 768
_HEADER_OVERHEAD = 112
_MIN_COMPRESS_BYTES = 256
_COMPRESSIBLE = ("text/", "application/json", "application/javascript", "+xml", "+json")


@dataclass(frozen=True, slots=True)
class Entry:
    """One rendered 200 response: its generation, type, extra headers and bodies per encoding."""

    tag: str
    stored_at: float  # wall-clock time of the render, for the Age of a stale answer
    content_type: str
    headers: tuple[tuple[str, str], ...]
    bodies: dict[str, bytes]

    @property
    def size(self) -> int:
        """Bytes this entry holds, every encoding counted."""
        headers = sum(_HEADER_OVERHEAD + len(name) + len(value) for name, value in self.headers)
        bodies = sum(len(body) for body in self.bodies.values())
        return _ENTRY_OVERHEAD + len(self.tag) + len(self.content_type) + headers + bodies

    def to_bytes(self) -> bytes:
        sizes = {name: len(body) for name, body in self.bodies.items()}
        head = {
            "tag": self.tag,
            "at": self.stored_at,
            "type": self.content_type,
            "headers": self.headers,
            "sizes": sizes,
        }
        return json.dumps(head).encode() + b"\n" + b"".join(self.bodies.values())

    @classmethod
    def from_bytes(cls, raw: bytes) -> Entry:
        head, _, rest = raw.partition(b"\n")
        meta = json.loads(head)
        bodies, offset = {}, 0
        for name, size in meta["sizes"].items():
            bodies[name] = rest[offset : offset + size]
            offset += size
        if offset != len(rest):
            raise ValueError("entry bodies do not match their sizes")
        headers = tuple((k, v) for k, v in meta["headers"])
        return cls(meta["tag"], float(meta["at"]), meta["type"], headers, bodies)


def compress(body: bytes, content_type: str) -> dict[str, bytes]:
    """The identity body plus gzip and brotli variants when compressing pays."""
    bodies = {"identity": body}
    kind = content_type.split(";", 1)[0].strip().lower()
    if len(body) >= _MIN_COMPRESS_BYTES and any(part in kind for part in _COMPRESSIBLE):
        # Cheap levels: this runs inside the first request after a change.
        bodies["br"] = brotli.compress(body, quality=5)
        bodies["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
    return bodies


class LocalStore:
    """An LRU in this process holding at most `max_bytes` of entries, one per URL key."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: OrderedDict[str, tuple[Entry, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str, tag: str | None = None) -> Entry | None:
        """The latest entry for `key`, whatever its tag (callers compare it)."""
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
            return found[0]

    def set(self, key: str, entry: Entry) -> None:
        cost = entry.size + len(key)
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if cost > self.max_bytes:
                return  # larger than the whole budget: never kept
            self._data[key] = (entry, cost)
            self.bytes += cost
            while self.bytes > self.max_bytes:
                _, (_, freed) = self._data.popitem(last=False)
                self.bytes -= freed

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.bytes = 0


class RedisStore:
    """Redis behind the local LRU: a render done on one host serves them all.

    Redis failing is an outage of the shared layer only: the local LRU keeps
    serving and storing, Redis is left alone for a second after each failure,
    and used again as soon as it answers.
    """

    def __init__(
        self,
        client,
        prefix: str,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ttl: int = DEFAULT_REDIS_TTL,
        max_entry_bytes: int = DEFAULT_REDIS_MAX_ENTRY_BYTES,
    ):
        self.client = client
        self.prefix = prefix
        self.ttl = ttl
        self.max_entry_bytes = max_entry_bytes
        self.local = LocalStore(max_bytes)
        self.outage = Outage("Redis (render cache)", "rendering into this process's memory only")

    def get(self, key: str, tag: str | None = None) -> Entry | None:
        """The latest entry for `key`; Redis is asked unless the local one has `tag`."""
        entry = self.local.get(key)
        if (entry is not None and entry.tag == tag) or self.outage.skip():
            return entry
        shared = self._fetch(key)
        if shared is not None and (entry is None or shared.stored_at > entry.stored_at):
            self.local.set(key, shared)
            return shared
        return entry

    def set(self, key: str, entry: Entry) -> None:
        self.local.set(key, entry)
        raw = entry.to_bytes()
        if len(raw) > self.max_entry_bytes or self.outage.skip():
            return
        try:
            self.client.set(self.prefix + key, raw, ex=self.ttl)
        except Exception as exc:
            self.outage.failed(exc)
        else:
            self.outage.succeeded()

    def clear(self) -> None:
        self.local.clear()

    def _fetch(self, key: str) -> Entry | None:
        try:
            raw = self.client.get(self.prefix + key)
        except Exception as exc:
            self.outage.failed(exc)
            return None
        self.outage.succeeded()
        if raw is None:
            return None
        try:
            return Entry.from_bytes(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable render cache entry in Redis: %r", key[:200])
            return None
