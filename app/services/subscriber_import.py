"""Importing a list of subscribers from CSV: all rows or none.

Every line is checked before anything is written; when one is wrong, the
answer lists the bad lines by number and nothing is imported. Addresses
already known are left exactly as they are (an address that unsubscribed is
never signed up again by an import), addresses on the suppression list are
skipped, and repeated lines count once.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import insert, select

from app.extensions import db
from app.models import (
    Component,
    ComponentGroup,
    NotificationKind,
    Subscriber,
    SubscriberKind,
    SubscriberState,
    SubscriptionTarget,
)
from app.services import audit, notifications, subscriber_address, suppressions, validate
from app.services.errors import Invalid
from app.services.subscriptions import MAIL_OFF, mail_enabled, new_nonce
from app.services.tx import transactional

MAX_ROWS = 100_000
MAX_BYTES = 5 * 1024 * 1024  # 100,000 lines of a typical export fit in half of it
SHOWN_PROBLEMS = 20
WEBHOOK_NEEDS_CONFIRMATION = (
    "a webhook is confirmed by whoever runs it, who then receives its signing secret: "
    "import webhooks with “send a confirmation”"
)
_OPTED_OUT = {SubscriberState.UNSUBSCRIBED.value, SubscriberState.QUARANTINED.value}


class ImportMode(StrEnum):
    CONFIRMED = "confirmed"  # the admin vouches for their consent: they receive updates now
    SEND_CONFIRMATION = "send_confirmation"  # each gets the double opt-in mail first


class ImportRejected(Invalid):
    """The file has bad lines; `problems` lists each as "line N: why"."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n".join(problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        tail = f"\n…and {more} more." if more > 0 else ""
        count = "1 line needs" if len(problems) == 1 else f"{len(problems)} lines need"
        super().__init__(f"Nothing was imported: {count} fixing.\n{shown}{tail}", "file")


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_known: int
    repeated: int
    opted_out: int
    confirmations_queued: int
    suppressed: int = 0


@dataclass
class _Row:
    line: int
    kind: SubscriberKind
    address: str
    component_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    everything: bool = True


def parse_mode(value) -> ImportMode:
    try:
        return ImportMode(value)
    except ValueError as exc:
        raise Invalid(
            "Choose whether imported subscribers are confirmed or asked.", "mode"
        ) from exc


def _decode(data: bytes | str) -> str:
    if len(data) > MAX_BYTES:
        raise Invalid(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it.", "file"
        )
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("The file is not UTF-8 text; save it as CSV UTF-8.", "file") from exc


class _Names:
    """Components and groups by code or (case-insensitive) name."""

    def __init__(self) -> None:
        self.components = self._index(Component)
        self.groups = self._index(ComponentGroup)

    @staticmethod
    def _index(model) -> dict[str, int]:
        found: dict[str, int] = {}
        for row_id, code, name in db.session.execute(select(model.id, model.code, model.name)):
            found[code.lower()] = row_id
            found[name.lower()] = row_id
        return found

    def ids(self, cell: str, index: dict[str, int], what: str) -> list[int]:
        cell = validate.text(cell, f"{what}s", max_len=10_000, required=False) or ""
        names = [n.strip() for n in cell.split(";") if n.strip()]
        missing = [n for n in names if n.lower() not in index]
        if missing:
            raise Invalid(f"no {what} “{missing[0]}”")
        return [index[n.lower()] for n in names]


def _parse(text: str, mode: ImportMode) -> tuple[list[_Row], list[str], int]:
    """(rows, problems, opted-out lines skipped) from the CSV text."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        raise Invalid(f"line 1: {exc}", "file") from exc
    column = "address" if "address" in header else "email"
    if column not in header:
        raise Invalid("The first line must name the columns, with one called email.", "file")
    names, rows, problems, opted_out = _Names(), [], [], 0
    while True:
        line = reader.line_num + 1  # where the record starts (a quoted cell may span lines)
        try:
            values = next(reader, None)
        except csv.Error as exc:
            problems.append(f"line {line}: {exc}")
            break
        if values is None:
            break
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            raise Invalid(f"The file has more than {MAX_ROWS} lines; split it.", "file")
        cells = dict(zip(header, values, strict=False))
        if (cells.get("state") or "").strip().lower() in _OPTED_OUT:
            opted_out += 1
            continue
        try:
            rows.append(_row(line, cells, column, names, mode))
        except Invalid as exc:
            problems.append(f"line {line}: {exc.message}")
    return rows, problems, opted_out


def _row(line: int, cells: dict, column: str, names: _Names, mode: ImportMode) -> _Row:
    kind = subscriber_address.parse_kind((cells.get("kind") or "email").strip().lower())
    if kind == SubscriberKind.WEBHOOK and mode == ImportMode.CONFIRMED:
        # Only the confirmation shows a webhook's signing secret, to whoever runs it: a
        # webhook imported as confirmed would be signed with a secret nobody ever saw.
        raise Invalid(WEBHOOK_NEEDS_CONFIRMATION, "file")
    loopback = kind == SubscriberKind.WEBHOOK and bool(
        current_app.config.get("WEBHOOK_ALLOW_LOOPBACK")
    )
    row = _Row(
        line, kind, subscriber_address.address(kind, cells.get(column), allow_loopback=loopback)
    )
    components = (cells.get("components") or "").strip()
    groups = (cells.get("groups") or "").strip()
    if components.lower() != "all" and (components or groups):
        row.everything = False
        row.component_ids = names.ids(components, names.components, "component")
        row.group_ids = names.ids(groups, names.groups, "group")
    return row


def _ids(rows: list[_Row]) -> dict[tuple[SubscriberKind, str], int]:
    """{(kind, address): id} of the subscribers these lines name that exist, 500 at a time.

    One kind per query, `kind = ? AND address IN (…)`: both databases look that up in the
    unique index, where a (kind, address) IN list of pairs made SQLite scan the table.
    """
    found: dict[tuple[SubscriberKind, str], int] = {}
    by_kind: dict[SubscriberKind, list[str]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row.address)
    for kind, addresses in by_kind.items():
        for start in range(0, len(addresses), 500):
            chunk = addresses[start : start + 500]
            hits = db.session.execute(
                select(Subscriber.address, Subscriber.id).where(
                    Subscriber.kind == kind, Subscriber.address.in_(chunk)
                )
            )
            found.update(((kind, address), i) for address, i in hits)
    return found


def _known(rows: list[_Row]) -> set[tuple[SubscriberKind, str]]:
    return set(_ids(rows))


def import_csv(data: bytes | str, mode, *, now: datetime, actor=None) -> ImportResult:
    """Add every new address in the CSV (column `email`, optional `kind`, `components`,
    `groups`: codes or names separated by ;) as source "import"; all or nothing.

    Every line is read and checked before the write transaction begins, so a big file
    holds other writers (the worker, on SQLite) only for the inserts themselves.
    """
    mode = parse_mode(mode)
    rows, problems, opted_out = _parse(_decode(data), mode)
    if problems:
        raise ImportRejected(problems)
    emails = any(r.kind == SubscriberKind.EMAIL for r in rows)
    if mode == ImportMode.SEND_CONFIRMATION and emails and not mail_enabled():
        raise Invalid(MAIL_OFF, "mode")
    return _write(rows, mode, opted_out, now, actor)


@transactional
def _write(rows: list[_Row], mode: ImportMode, opted_out: int, now: datetime, actor):
    known, new = _known(rows), {}
    blocked = suppressions.suppressed_among((r.kind, r.address) for r in rows)
    for row in rows:
        key = (row.kind, row.address)
        if key not in known and key not in new and key not in blocked:
            new[key] = row
    ids = _insert(list(new.values()), mode, now)
    queued = 0
    if mode == ImportMode.SEND_CONFIRMATION:
        # New addresses have had no confirmation yet: no cooldown or cap to consult.
        queued = notifications.queue_direct_many(NotificationKind.CONFIRM, ids)
    added = len(new)
    already = sum(1 for r in rows if (r.kind, r.address) in known)
    skipped = sum(1 for r in rows if (r.kind, r.address) in blocked - known)
    repeated = len(rows) - added - already - skipped
    result = ImportResult(added, already, repeated, opted_out, queued, skipped)
    audit.record(
        actor,
        "subscriber.import",
        "subscriber",
        None,
        mode=mode.value,
        added=added,
        suppressed=skipped,
    )
    return result


def _insert(rows: list[_Row], mode: ImportMode, now: datetime) -> list[int]:
    """Insert the new subscribers and their targets in a few statements; their ids, in order.

    Rows, not ORM objects: building and flushing an object per line made a 40,000-line
    import hold the write lock for most of a minute.
    """
    if not rows:
        return []
    db.session.execute(insert(Subscriber), [_values(row, mode, now) for row in rows])
    # Read back rather than RETURNING: SQLite returns ids in a known order only one row per
    # statement, which would be one round trip per line.
    found = _ids(rows)
    ids = [found[row.kind, row.address] for row in rows]
    targets = [
        {"subscriber_id": subscriber_id, "component_id": c, "group_id": g}
        for subscriber_id, row in zip(ids, rows, strict=True)
        for c, g in [(c, None) for c in row.component_ids] + [(None, g) for g in row.group_ids]
    ]
    if targets:
        db.session.execute(insert(SubscriptionTarget), targets)
    return ids


def _values(row: _Row, mode: ImportMode, now: datetime) -> dict:
    confirmed = mode == ImportMode.CONFIRMED
    return {
        "kind": row.kind,
        "address": row.address,
        "state": SubscriberState.CONFIRMED if confirmed else SubscriberState.PENDING,
        "source": "import",
        "consent_at": now,
        "confirmed_at": now if confirmed else None,
        "created_at": now,
        "updated_at": now,
        "token_nonce": new_nonce(),
        "paused": False,
        "confirmations_sent": 0 if confirmed else 1,
        "last_confirmation_at": None if confirmed else now,
        "bounce_count": 0,
        "all_components": row.everything,
        "signing_secret": secrets.token_hex(32) if row.kind == SubscriberKind.WEBHOOK else None,
    }
