"""Rendered entries, their compressed variants, and where they are kept.

An entry is one rendered 200 response, stored once per generation and URL
key with its gzip and brotli variants, so a traffic spike costs one render
and one compression per change. Entries live in a small LRU in the process,
behind Redis when `REDIS_URL` is set (a render done on one host then serves
every host). Keys start with the generation, so old entries are never read
again and simply age out.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

import brotli

log = logging.getLogger("herald.cache")

_MAX_ENTRIES = 2048
_REDIS_ENTRY_TTL = 3600
_MIN_COMPRESS_BYTES = 256
_COMPRESSIBLE = ("text/", "application/json", "application/javascript", "+xml", "+json")


@dataclass(frozen=True, slots=True)
class Entry:
    """One rendered 200 response: its type, extra headers and bodies per encoding."""

    content_type: str
    headers: tuple[tuple[str, str], ...]
    bodies: dict[str, bytes]

    def to_bytes(self) -> bytes:
        sizes = {name: len(body) for name, body in self.bodies.items()}
        head = json.dumps({"type": self.content_type, "headers": self.headers, "sizes": sizes})
        return head.encode() + b"\n" + b"".join(self.bodies.values())

    @classmethod
    def from_bytes(cls, raw: bytes) -> Entry:
        head, _, rest = raw.partition(b"\n")
        meta = json.loads(head)
        bodies, offset = {}, 0
        for name, size in meta["sizes"].items():
            bodies[name] = rest[offset : offset + size]
            offset += size
        headers = tuple((k, v) for k, v in meta["headers"])
        return cls(meta["type"], headers, bodies)


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
    """A small LRU in this process; entries keyed by generation die out on their own."""

    def __init__(self, max_entries: int = _MAX_ENTRIES):
        self._data: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str) -> Entry | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def set(self, key: str, value: Entry) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class RedisStore:
    """Redis behind the local LRU: a render done on one host serves them all."""

    def __init__(self, client, prefix: str):
        self.client = client
        self.prefix = prefix
        self.local = LocalStore()

    def get(self, key: str) -> Entry | None:
        entry = self.local.get(key)
        if entry is None:
            try:
                raw = self.client.get(self.prefix + key)
            except Exception as exc:
                log.warning("render cache in Redis unavailable: %s", exc)
                return None
            if raw is not None:
                entry = Entry.from_bytes(raw)
                self.local.set(key, entry)
        return entry

    def set(self, key: str, value: Entry) -> None:
        self.local.set(key, value)
        try:
            self.client.set(self.prefix + key, value.to_bytes(), ex=_REDIS_ENTRY_TTL, nx=True)
        except Exception as exc:
            log.warning("render cache in Redis unavailable: %s", exc)

    def clear(self) -> None:
        self.local.clear()
