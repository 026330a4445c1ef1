"""The host board: the newest page generation any process on this host has read.

In scale-out mode (several hosts on PostgreSQL, with or without Redis) each
process is told of changes by a watcher (push.py) instead of asking on every
request. Processes on one host are told at slightly different moments, so
each could serve a different generation for a few milliseconds; a visitor
whose requests land on two workers could then see the page go back in time.
The board prevents that: every generation read from the database is offered
to one small file per host, which only ever moves forward, and every request
reads that file (three system calls, as the embedded mode's token file).

A record is the generation and the moment (CLOCK_MONOTONIC, shared by every
process on the host) its database read started. Moving forward means a
higher page version. A lower version wins only when it was read well after
the board's one began: then the database itself went back (a restore), and
the database is the truth; a concurrent read that merely finished late
never wins. A record whose read is older than the watchers' re-check period
allows is not trusted: the watchers are gone, and requests ask the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from dataclasses import dataclass

from app.cache.version import read_small_file, replace_file

# A read that began this long after the board's own and still saw a lower version
# means the database went back; concurrent reads never start this far apart.
_REGRESSION_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Record:
    generation: str
    read_at: int  # time.monotonic_ns() when the database read began; 0: marked stale

    @property
    def version(self) -> int:
        head = self.generation.split("-", 1)[0]
        return int(head) if head.isdigit() else -1

    def to_bytes(self) -> bytes:
        return f"{self.generation} {self.read_at}".encode()

    @classmethod
    def parse(cls, raw: bytes) -> Record | None:
        generation, _, read_at = raw.decode("ascii", "replace").partition(" ")
        if not generation or not read_at.isdigit():
            return None
        return cls(generation, int(read_at))

    def yields_to(self, newer: Record) -> bool:
        """Whether `newer`, just read from the database, should replace this record."""
        if newer.version > self.version:
            return True
        if newer.version == self.version:
            return newer.read_at >= self.read_at
        return newer.read_at > self.read_at + _REGRESSION_NS


class HostBoard:
    """One file per host holding the newest generation read from the database."""

    def __init__(self, path: str):
        self.path = path
        self._lock_path = path + ".lock"
        self._guard = threading.Lock()  # flock is per open file, not per thread

    def read(self) -> bytes:
        return read_small_file(self.path)

    def offer(self, generation: str, read_at: int) -> Record:
        """Record a generation read from the database; the record the board holds after."""
        offered = Record(generation, read_at)
        with self._locked():
            current = Record.parse(self.read())
            if current is not None and not current.yields_to(offered):
                return current
            self._write(offered)
            return offered

    def mark_stale(self) -> None:
        """A change was committed here: every process on the host asks the database next."""
        with self._locked():
            current = Record.parse(self.read())
            if current is not None:
                self._write(Record(current.generation, 0))

    @contextlib.contextmanager
    def _locked(self):
        with self._guard:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the lock

    def _write(self, record: Record) -> None:
        replace_file(self.path, record.to_bytes())


def now_ns() -> int:
    return time.monotonic_ns()
