"""The mirror on disk: where each URL's file goes, writing it, the marker, the swap."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click

MARKER = ".herald-mirror"
_GZIP_TYPES = ("text/", "json", "javascript", "xml", "svg")
_RENAME_EXCHANGE = 2


class PublishError(click.ClickException):
    """A publish that cannot go on; the message says what to do next."""


def file_for(path: str, page: int | None = None) -> str:
    """The mirror file (relative) that serves `path`, or `path?page=N`."""
    path = path.strip("/")
    if page is not None:
        return f"{path}/page/{page}/index.html".lstrip("/")
    if not path:
        return "index.html"
    if "." in path.rsplit("/", 1)[-1]:
        return path
    return f"{path}/index.html"


def write(target: Path, body: bytes, mimetype: str, *, only_if_changed: bool = False) -> bool:
    """Write `body` (and its .gz twin) at `target`; False when `only_if_changed` and it
    already held exactly these bytes. Each file is replaced with one rename, so nginx
    never serves half of one while a mirror is updated in place."""
    if only_if_changed and _holds(target, body):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    _replace(target, body)
    twin = Path(f"{target}.gz")
    if len(body) >= 256 and any(kind in mimetype for kind in _GZIP_TYPES):
        _replace(twin, gzip.compress(body, compresslevel=6, mtime=0))
    elif only_if_changed:
        twin.unlink(missing_ok=True)
    return True


def remove(target: Path) -> bool:
    """Remove a file the app no longer serves (and its twin); True if there was one."""
    existed = target.exists()
    target.unlink(missing_ok=True)
    Path(f"{target}.gz").unlink(missing_ok=True)
    return existed


def _holds(target: Path, body: bytes) -> bool:
    try:
        return target.stat().st_size == len(body) and target.read_bytes() == body
    except OSError:
        return False


def _replace(target: Path, body: bytes) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(body)
    os.replace(temporary, target)


@dataclass
class Marker:
    """What a mirror holds: the page generation its pages show, the code that rendered
    them, a fingerprint of each history page's list as written ("" when unsure), and the
    incidents changed since, whose history entries may still be out of date."""

    generation: str
    build: str
    history: list[str] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)

    def save(self, directory: Path) -> None:
        body = json.dumps(
            {
                "generation": self.generation,
                "build": self.build,
                "history": self.history,
                "pending": sorted(self.pending),
            }
        )
        _replace(directory / MARKER, body.encode())

    @classmethod
    def load(cls, directory: Path) -> Marker | None:
        """The marker of the mirror at `directory`; None if absent or from an older Herald."""
        try:
            found = json.loads((directory / MARKER).read_bytes())
            return cls(
                str(found["generation"]),
                str(found["build"]),
                [str(item) for item in found["history"]],
                [int(item) for item in found["pending"]],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def build_fingerprint(*folders: str | Path, extra: str = "") -> str:
    """Names, sizes and times of the code, templates and static files: a deploy changes
    it, and a mirror rendered by other code is then published again in full."""
    digest = hashlib.sha1(extra.encode(), usedforsecurity=False)
    for folder in folders:
        for root, _dirs, names in sorted(os.walk(folder)):
            for name in sorted(names):
                if name.endswith((".pyc", ".tmp")):
                    continue
                with contextlib.suppress(OSError):
                    stat = os.stat(os.path.join(root, name))
                    digest.update(f"{root}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def check_target(directory: Path) -> None:
    """Refuse, with what to do instead, a DIR publish cannot or must not write."""
    parent = directory.parent
    if not parent.is_dir():
        raise PublishError(f"{parent} does not exist. Create it first (mkdir -p {parent}).")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PublishError(
            f"Cannot write in {parent}: publish builds the new mirror beside {directory.name}. "
            "Give this user write access there, or choose another directory."
        )
    if directory.exists() and not directory.is_dir():
        raise PublishError(f"{directory} exists and is not a directory; choose another path.")
    if directory.is_dir() and not os.access(directory, os.W_OK | os.X_OK):
        raise PublishError(
            f"Cannot write in {directory}. Give this user write access there, "
            "or choose another directory."
        )
    if directory.is_dir() and any(directory.iterdir()) and not (directory / MARKER).exists():
        raise PublishError(
            f"{directory} is not empty and is not a Herald mirror (no {MARKER} file), so "
            "publish will not replace it. Choose a new or empty directory."
        )


@contextlib.contextmanager
def lock(directory: Path, *, wait: bool) -> Iterator[bool]:
    """One publisher per mirror on this host (the worker's job, `flask publish`): yields
    False, without waiting, when another holds it and `wait` is off.

    The lock is on the parent directory (the mirror itself is swapped out by a full
    publish, and a lock file beside it would be left behind)."""
    try:
        fd = os.open(directory.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise PublishError(f"Cannot open {directory.parent} ({exc.strerror}).") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def swap_in(building: Path, directory: Path) -> None:
    """Put `building` at `directory` in one step; the old mirror is removed afterwards."""
    if not directory.exists():
        os.rename(building, directory)
        return
    if _exchange(building, directory):
        shutil.rmtree(building)  # now holds the old mirror
        return
    # No atomic exchange here (not Linux, or the file system refuses): two
    # renames, with a moment in between where the directory is missing.
    retired = building.with_name(building.name + "-old")
    os.rename(directory, retired)
    os.rename(building, directory)
    shutil.rmtree(retired)


def _exchange(first: Path, second: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): swap two paths atomically (Linux ≥ 3.15)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_cwd = -100
    code = renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), _RENAME_EXCHANGE)
    return code == 0
