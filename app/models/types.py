"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite has no time zones: values are stored as naive UTC and come back
    marked as UTC, so comparisons never mix naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Herald stores timezone-aware UTC only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_type: type[StrEnum], length: int) -> Enum:
    """A column holding members of `enum_type`, stored as their values in a VARCHAR(`length`).

    Not a native enum, and no CHECK constraint: SQLite and PostgreSQL store the
    same plain strings as before, so adding a member needs no migration. Values,
    not member names, are stored (`"major_outage"`, as the Statuspage API spells
    it), and binding a string that is no member fails before it reaches the row.
    """
    return Enum(
        enum_type,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class epoch_seconds(FunctionElement):  # noqa: N801 - spelled like the SQL functions it stands for
    """A timestamp column as seconds since 1970 (a float), computed by the database."""

    type = Float()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    # Stored as naive UTC text; julianday() keeps milliseconds, so round to them exactly.
    column = compiler.process(element.clauses, **kw)
    return f"(ROUND((julianday({column}) - 2440587.5) * 86400000.0) / 1000.0)"


@compiles(epoch_seconds)
def _epoch_default(element, compiler, **kw):
    # date_part() answers in double precision directly; EXTRACT answers a numeric
    # (PostgreSQL 14+), six times slower per row to compute and cast back, for the same
    # double: both are the microseconds since 1970 over a million, rounded once.
    column = compiler.process(element.clauses, **kw)
    return f"date_part('epoch', {column})"
