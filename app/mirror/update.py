"""Updating a mirror in place after changes: what they touched, the status page first.

Two passes. The first writes what a visitor checks first and what every change
moves: the status page, the touched incidents' pages, the page-wide documents
(feeds, API, badges, uptime, calendar, /history itself), the feeds and badge of
the components concerned, and the API documents of incidents whose components
changed. The marker then moves to the new generation, with the touched
incidents kept as "pending" for the history pages. A newer change landing
meanwhile stops it (the marker stays): the next run covers both, status page
first.

The second brings the history pages up to date: those whose list moved (a
resolution shifts every page after it by one) or that list a pending incident.
At 100,000 incidents that can be thousands of pages, so every tenth of a second it
looks whether another change has landed and, if so, stops, saving what it
finished; the job then runs the first pass for the new change and comes back.

Files are written only when their bytes differ, each with one rename.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.mirror import changes as change_log
from app.mirror.files import Marker, file_for, remove
from app.mirror.publish import (
    HISTORY,
    Fetcher,
    History,
    Result,
    build_paths,
    public_rules,
    read_database,
)
from app.models import AffectedComponent, Component

# How often (seconds of rendering) an update looks whether another change landed: the
# longest a new change waits behind it, plus one page. One indexed read each time.
CHECK_SECONDS = 0.1
# How often the history pass saves its progress (the marker lists every page).
SAVE_SECONDS = 2.0


def publish_changes(
    app: Flask,
    directory: Path,
    marker: Marker,
    found: change_log.Changes,
    generation: str,
    moved: Callable[[], bool] = lambda: False,
    *,
    first_pass: bool = True,
) -> Result:
    """Bring the mirror at `directory` (holding `marker`) from its generation to
    `generation`, given what changed between (`found`, not everything); `moved()` says
    whether a newer change has landed since. Without `first_pass`, only finish the history
    pages an interrupted run left. The caller holds the mirror's lock."""
    started = time.monotonic()
    result = Result(directory, generation, kind="changes")
    fetcher = Fetcher(app, directory, result, in_place=True)
    if first_pass:
        with app.app_context():
            codes, listing = read_database(
                lambda: (_component_codes_for(found), _incidents_of(found.components))
            )
        paths = _first_pass(app, found, codes, listing)
        if not contextvars.Context().run(_fetch, fetcher, paths, moved):
            result.complete = False  # the marker stays: the next run covers both changes
            result.seconds = time.monotonic() - started
            return result
        pending = set(marker.pending) | found.incidents
        marker = Marker(generation, marker.build, list(marker.history), sorted(pending))
        marker.save(directory)
    # Read after the first pass, so it does not hold up the status page (100,000 ids).
    with app.app_context():
        history = read_database(History.read)
    result.complete = contextvars.Context().run(_history_pass, fetcher, marker, history, moved)
    result.seconds = time.monotonic() - started
    return result


def _first_pass(app: Flask, found, codes: list[str], listing: set[int]) -> list[str]:
    rules = public_rules(app)
    touched = [str(i) for i in sorted(found.incidents)]
    # The status page, then the touched incidents: what a visitor checks first.
    paths = ["/", *build_paths(rules, "incident_id", touched)]
    paths += [rule.rule for rule in rules if not rule.arguments and rule.rule != "/"]
    paths += build_paths(rules, "code", codes)
    # An incident's API document lists its components as they are now.
    api_rules = [rule for rule in rules if rule.endpoint.startswith("api.")]
    paths += build_paths(
        api_rules, "incident_id", [str(i) for i in sorted(listing - found.incidents)]
    )
    return paths


def _component_codes_for(found: change_log.Changes) -> list[str]:
    """The touched components, and those the touched incidents concern (their feeds list
    them)."""
    ids = set(found.components)
    if found.incidents:
        query = select(AffectedComponent.component_id).where(
            AffectedComponent.incident_id.in_(found.incidents),
            AffectedComponent.component_id.is_not(None),
        )
        ids.update(db.session.scalars(query))
    if not ids:
        return []
    query = select(Component.code).where(Component.id.in_(ids)).order_by(Component.id)
    return list(db.session.scalars(query))


def _incidents_of(component_ids: set[int]) -> set[int]:
    """The incidents that concern any of these components."""
    if not component_ids:
        return set()
    query = select(AffectedComponent.incident_id).where(
        AffectedComponent.component_id.in_(component_ids)
    )
    return set(db.session.scalars(query))


def _fetch(fetcher: Fetcher, paths: list[str], moved: Callable[[], bool]) -> bool:
    """Fetch `paths`; False, stopping early, when a newer change lands meanwhile (its own
    status page and incident pages then go out first, with these)."""
    checked = time.monotonic()
    for path in paths:
        fetcher.get(path)
        if time.monotonic() - checked >= CHECK_SECONDS:
            if moved():
                return False
            checked = time.monotonic()
    return True


def _history_pass(
    fetcher: Fetcher, marker: Marker, history: History, moved: Callable[[], bool]
) -> bool:
    """Bring the history pages up to date; False when stopped for a newer change."""
    count = len(history.pages)
    fingerprints = history.fingerprints()
    written = (marker.history + [""] * count)[:count]
    pending = set(marker.pending)
    # One page: /history alone (written in the first pass), no /history?page=N files.
    due = (
        []
        if count == 1
        else [
            number
            for number, items in enumerate(history.pages, start=1)
            if written[number - 1] != fingerprints[number - 1] or pending.intersection(items)
        ]
    )
    chunk: list[int] = []
    checked = saved = time.monotonic()
    for index, number in enumerate(due):
        fetcher.get(HISTORY, number)
        chunk.append(number)
        if time.monotonic() - checked < CHECK_SECONDS and index + 1 < len(due):
            continue
        if moved():
            # These pages may show the newer change, or part of it: not known to match
            # any list, so they are checked again once that change's first pass is out.
            for done in chunk:
                written[done - 1] = ""
            _save(fetcher.root, marker, written, marker.pending)
            return False
        for done in chunk:
            written[done - 1] = fingerprints[done - 1]
        if time.monotonic() - saved >= SAVE_SECONDS:
            _save(fetcher.root, marker, written, marker.pending)
            saved = time.monotonic()
        chunk, checked = [], time.monotonic()
    # Pages past the end, and /history?page=1 once there is only one page.
    for number in range(1 if count == 1 else count + 1, len(marker.history) + 1):
        if remove(fetcher.root / file_for(HISTORY, number)):
            fetcher.result.removed += 1
    _save(fetcher.root, marker, written if count > 1 else [fingerprints[0]], [])
    return True


def _save(root: Path, marker: Marker, written: list[str], pending: list[int]) -> None:
    Marker(marker.generation, marker.build, written, pending).save(root)
