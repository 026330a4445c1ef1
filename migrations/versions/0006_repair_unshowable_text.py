"""repair stored text holding characters that no output can show

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:00:00

Versions before this one stored whatever was typed, so a title, name or update
may hold a control character (terminal colour codes, U+000B, U+0001), a
noncharacter such as U+FFFF, or a CR line ending. XML forbids most of these:
one such row made the Atom and RSS feeds answer 500, the SVG badges malformed
and `flask publish` abort. The services now refuse or clean them on the way in
(app/text.py); this migration applies the same rule to the rows already stored,
in every column a person writes:

* one-line columns (names, titles, URLs): terminal escape sequences removed,
  line breaks and tabs made spaces, other unshowable characters removed. A name
  left empty gets a placeholder ("Component 7"); a component or group name that
  would now equal another's gets its id appended, as names are unique.
* multi-line columns (updates, their revisions, postmortems, descriptions): LF
  line endings, escape sequences and unshowable characters removed.

When anything changed, it records one audit event ("text.repair", with the
number of values repaired per column) and moves the page version on, so no
cached page keeps the old text. The rule is copied here rather than imported:
a migration must keep doing what it did when it was written, whatever
app/text.py becomes.

Downgrade changes nothing: the removed characters were never visible, and
putting them back would break the outputs again.
"""

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17)
)
_UNSHOWABLE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
# What each kind of column changes: a value matching neither is left alone.
_BLOCK_SUSPECT = re.compile(f"\r|{_UNSHOWABLE.pattern}")
_LINE_SUSPECT = re.compile(f"[\r\n\t]|{_UNSHOWABLE.pattern}")
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[]PX^_][^\n\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -/]*[0-~]"
)
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85]")
BATCH = 1000

# (table, column, one line?, nullable?, placeholder for an emptied required value)
COLUMNS = [
    ("page_settings", "name", True, False, "Herald Status"),
    ("page_settings", "url", True, True, None),
    ("page_settings", "logo_url", True, True, None),
    ("page_settings", "support_url", True, True, None),
    ("component_group", "name", True, False, "Group {id}"),
    ("component_group", "description", False, True, None),
    ("component", "name", True, False, "Component {id}"),
    ("component", "description", False, True, None),
    ("incident", "name", True, False, "Incident {id}"),
    ("incident", "postmortem_body", False, True, None),
    ("incident_update", "body", False, False, ""),
    ("update_revision", "body", False, False, ""),
    ("component_change", "component_name", True, False, "Unnamed component"),
    ("affected_component", "component_name", True, False, "Unnamed component"),
]
UNIQUE_NAMES = {("component_group", "name"), ("component", "name")}
NAME_LENGTH = 100


def clean_block(text):
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _LINE_BREAKS.sub("\n", text)
    return _UNSHOWABLE.sub("", text)


def clean_line(text):
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = re.sub("[\r\n\t\x0b\x0c\x85]+", " ", text)
    return _UNSHOWABLE.sub("", text).strip()


def _repaired(value, one_line, nullable, placeholder, row_id):
    cleaned = clean_line(value) if one_line else clean_block(value)
    if one_line and not cleaned:
        return None if nullable else placeholder.format(id=row_id)
    return cleaned


def _changes(connection, table, column, one_line, nullable, placeholder):
    """{id: repaired value} for the rows of `table` whose `column` the rule changes."""
    rows = sa.table(table, sa.column("id"), sa.column(column))
    query = sa.select(rows.c.id, rows.c[column]).where(rows.c[column].is_not(None))
    suspect = _LINE_SUSPECT if one_line else _BLOCK_SUSPECT
    changes = {}
    for row_id, value in connection.execute(query.execution_options(yield_per=BATCH)):
        if suspect.search(value) is None:
            continue
        repaired = _repaired(value, one_line, nullable, placeholder, row_id)
        if repaired != value:
            changes[row_id] = repaired
    return changes


def _keep_unique(connection, table, column, changes):
    """Append the id to a repaired name that now equals another row's (case aside)."""
    rows = sa.table(table, sa.column("id"), sa.column(column))
    names = dict(connection.execute(sa.select(rows.c.id, rows.c[column])).all())
    names.update(changes)
    for row_id, name in changes.items():
        others = {other.lower() for key, other in names.items() if key != row_id}
        if name.lower() in others:
            suffix = f" ({row_id})"
            names[row_id] = changes[row_id] = name[: NAME_LENGTH - len(suffix)] + suffix


def _apply(connection, table, column, changes):
    rows = sa.table(table, sa.column("id"), sa.column(column))
    statement = sa.update(rows).where(rows.c.id == sa.bindparam("row_id"))
    statement = statement.values({column: sa.bindparam("repaired")})
    items = [{"row_id": key, "repaired": value} for key, value in changes.items()]
    for start in range(0, len(items), BATCH):
        connection.execute(statement, items[start : start + BATCH])


def _record(connection, counts):
    audit = sa.table(
        "audit_event",
        sa.column("at", app.models.types.UTCDateTime(timezone=True)),
        sa.column("actor_label", sa.String),
        sa.column("action", sa.String),
        sa.column("target_type", sa.String),
        sa.column("target_id", sa.String),
        sa.column("details", sa.JSON),
    )
    connection.execute(
        sa.insert(audit).values(
            at=datetime.now(UTC),
            actor_label=f"migration {revision}",
            action="text.repair",
            target_type="page",
            target_id=None,
            details={"repaired": counts},
        )
    )
    settings = sa.table("page_settings", sa.column("version", sa.Integer))
    connection.execute(sa.update(settings).values(version=settings.c.version + 1))


def upgrade():
    connection = op.get_bind()
    counts = {}
    for table, column, one_line, nullable, placeholder in COLUMNS:
        changes = _changes(connection, table, column, one_line, nullable, placeholder)
        if not changes:
            continue
        if (table, column) in UNIQUE_NAMES:
            _keep_unique(connection, table, column, changes)
        _apply(connection, table, column, changes)
        counts[f"{table}.{column}"] = len(changes)
    if counts:
        _record(connection, counts)


def downgrade():
    pass
