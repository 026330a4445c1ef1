"""State changes the operator's commands make: after a restore, and after an import."""

from __future__ import annotations

from app.services import audit
from app.services.page import bump_version
from app.services.tx import transactional


@transactional
def record_restore(*, source: str, actor="cli") -> None:
    """A database was restored from `source`: move the page version on (no cache, on any
    host, may serve a page rendered before the restore) and say so in the audit log."""
    bump_version()
    audit.record(actor, "backup.restore", "page", None, source=source)
