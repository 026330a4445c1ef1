"""What changed since a mirror was published: recorded by each change, read by the job.

Recording. `bump_version` (every visible change calls it) first calls `before_bump`,
which notes the page generation the transaction started from. While the
transaction flushes, mapper events note what its rows touched: an incident (its
updates and affected components count as the incident), a component. Just before
it commits, one `mirror_change` row per thing touched, plus one `page` row, is
written in the same transaction, each with the generations before and after. A
change therefore has its rows if and only if it committed, in any process.

Reading. The job holds the generation its mirror shows. It follows the rows'
before → after links from there to the current generation; a complete chain
tells exactly what changed. A broken one (a database restored from a backup, a
version bumped by hand, rows pruned while the mirror was away) cannot be
trusted, and the answer is then "everything".

Versions are bumped under the page settings row's lock, so they commit in order:
once generation V is visible, every change up to V is too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from app.models import (
    AffectedComponent,
    Component,
    Incident,
    IncidentUpdate,
    MirrorChange,
    PageSettings,
    utcnow,
)

SETTINGS_ID = 1
_BEFORE = "herald.mirror.before"
_TOUCHED = "herald.mirror.touched"
_RECORDED = "herald.mirror.recorded"
# Set when a change commits in this process: the embedded job wakes at once instead of
# at its next poll (a job in another process polls).
committed = threading.Event()
# Past this many things touched in one change (an import), record "everything":
# publishing it all costs about the same, and the log stays small.
MAX_TOUCHED = 2_000
# Rows older than this are pruned once published; a mirror away longer re-publishes all.
KEEP = timedelta(days=1)


def generation(session: Session, *, lock: bool = False) -> str:
    """The page generation (version and time of its last bump), as the render cache spells
    it; `lock` holds the settings row as the bump that follows would."""
    query = select(PageSettings.version, PageSettings.updated_at).where(
        PageSettings.id == SETTINGS_ID
    )
    if lock:
        query = query.with_for_update(key_share=True)
    row = session.execute(query).first()
    if row is None:
        return "0"
    stamp = int(row.updated_at.timestamp() * 1000) if row.updated_at else 0
    return f"{row.version}-{stamp:x}"


def version_of(generation_text: str) -> int:
    return int(generation_text.split("-", 1)[0])


def before_bump(session: Session) -> None:
    """Called by `bump_version` before it moves the version: note where this change starts."""
    if _BEFORE not in session.info:
        session.info[_BEFORE] = generation(session, lock=True)


def _touch(target, scope: str, subject: int | None) -> None:
    session = inspect(target).session
    if session is not None:
        session.info.setdefault(_TOUCHED, set()).add((scope, subject))


def _incident(_mapper, _connection, target: Incident) -> None:
    _touch(target, "incident", target.id)


def _update(_mapper, _connection, target: IncidentUpdate) -> None:
    _touch(target, "incident", target.incident_id)


def _affected(_mapper, _connection, target: AffectedComponent) -> None:
    # The incident's page names it, and the component's feeds list the incident.
    _touch(target, "incident", target.incident_id)
    if target.component_id is not None:
        _touch(target, "component", target.component_id)


def _component_saved(_mapper, _connection, target: Component) -> None:
    _touch(target, "component", target.id)


def _component_deleted(_mapper, _connection, target: Component) -> None:
    # Its pages go, and every incident document listing it changes.
    _touch(target, "all", None)


def _settings_saved(_mapper, _connection, target: PageSettings) -> None:
    # The page's name, colours and time zone show on every page (bump_version's
    # own UPDATE is a Core statement and does not come through here).
    _touch(target, "all", None)


for _model, _listener in ((Incident, _incident), (IncidentUpdate, _update)):
    for _name in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _name, _listener)
for _name in ("after_insert", "after_update", "after_delete"):
    event.listen(AffectedComponent, _name, _affected)
event.listen(Component, "after_insert", _component_saved)
event.listen(Component, "after_update", _component_saved)
event.listen(Component, "after_delete", _component_deleted)
event.listen(PageSettings, "after_insert", _settings_saved)
event.listen(PageSettings, "after_update", _settings_saved)


@event.listens_for(Session, "before_commit")
def _record(session: Session) -> None:
    if session.in_nested_transaction() or _BEFORE not in session.info:
        return
    session.flush()  # what the last statements touched
    before = session.info.pop(_BEFORE)
    touched = session.info.pop(_TOUCHED, set())
    if len(touched) > MAX_TOUCHED:
        touched = {("all", None)}
    touched.add(("page", None))
    after = generation(session)
    now = utcnow()
    rows = [
        {
            "version": version_of(after),
            "before": before,
            "after": after,
            "scope": scope,
            "subject_id": subject,
            "created_at": now,
        }
        for scope, subject in sorted(touched, key=lambda item: (item[0], item[1] or 0))
    ]
    session.execute(insert(MirrorChange), rows)
    session.info[_RECORDED] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if not session.in_nested_transaction() and session.info.pop(_RECORDED, False):
        committed.set()
    _forget(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if not session.in_nested_transaction():
        for key in (_BEFORE, _TOUCHED, _RECORDED):
            session.info.pop(key, None)


@dataclass
class Changes:
    """What changed between two generations; `everything` when that cannot be known."""

    everything: bool = False
    incidents: set[int] = field(default_factory=set)
    components: set[int] = field(default_factory=set)

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.incidents or self.components)


def since(session: Session, published: str, current: str) -> Changes:
    """What changed from the `published` generation to the `current` one."""
    if published == current:
        return Changes()
    rows = session.execute(
        select(MirrorChange.before, MirrorChange.after, MirrorChange.scope, MirrorChange.subject_id)
        .where(
            MirrorChange.version > version_of(published),
            MirrorChange.version <= version_of(current),
        )
        .order_by(MirrorChange.version, MirrorChange.id)
    ).all()
    if not _chained(published, current, ((row.before, row.after) for row in rows)):
        return Changes(everything=True)
    found = Changes()
    for row in rows:
        if row.scope == "incident":
            found.incidents.add(row.subject_id)
        elif row.scope == "component":
            found.components.add(row.subject_id)
        elif row.scope == "all":
            found.everything = True
    return found


def _chained(start: str, end: str, links: Iterable[tuple[str, str]]) -> bool:
    at = start
    for before, after in links:
        if after == at:
            continue  # another row of the same change
        if before != at:
            return False
        at = after
    return at == end


def prune(session: Session, published: str) -> None:
    """Forget changes a mirror has published, once they are a day old."""
    session.execute(
        delete(MirrorChange).where(
            MirrorChange.version <= version_of(published),
            MirrorChange.created_at < utcnow() - KEEP,
        )
    )
    session.commit()
