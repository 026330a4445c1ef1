"""Files only their owner can read: backups, exports and the SQLite database.

They hold TOTP secrets, subscriber addresses and token hashes. Each is created
with mode 0600 before any data goes into it, never chmod-ed afterwards: between
a write and a chmod, another user of the machine could open the file and keep
reading it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE = 0o600


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600; an existing file is left as it is."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))


def private_partial(target: Path) -> Path:
    """A new, empty 0600 file beside `target` to write into, then rename over `target`.

    Beside it, so the rename stays on one file system; hidden and named `.partial`, so an
    interrupted write never looks like a finished one.
    """
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)  # mkstemp creates it 0600
    return Path(name)


def write_private(target: Path, text: str) -> None:
    """Write `text` to `target` (mode 0600) whole or not at all."""
    partial = private_partial(target)
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
