"""The query arguments a cached view reads, declared next to it with their parsers.

    @public_cached(args={"page": page_number})
    def history(page: int): ...

A parser takes the raw value (the first one in the query string, or None when
the argument is absent) and returns the value the view is called with: a
str, an int, or None. Unparseable input raises `BadArgument`, which the
decorator answers with a 400 and its message. The cache key holds the
*parsed* values, so `?page=01`, `?page=1` and no `?page=` at all share one
render, and any argument not declared (`?_=<cache buster>`, `?utm_source=`)
is no part of the key: it cannot reach the view either.

Free text (a badge's `?label=`) is a `FreeText`: bounded in length, and in
how many different values one process caches per generation (the rest are
rendered on request without being stored), so a crawler making up labels
costs CPU, never memory.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

Value = str | int | None
Parser = Callable[[str | None], Value]


class BadArgument(ValueError):
    """A query value the view cannot use; the message tells the visitor why (a 400)."""


@dataclass(frozen=True)
class FreeText:
    """Visitor-chosen text: stripped, at most `max_length` characters, no control characters.

    Absent or blank is None (the view's default). At most `distinct` different
    values are cached per endpoint, process and generation.
    """

    what: str
    max_length: int
    distinct: int = 64

    def __call__(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        value = raw.strip()
        if len(value) > self.max_length:
            raise BadArgument(
                f"The {self.what} is too long (at most {self.max_length} characters)."
            )
        if any(unicodedata.category(char).startswith("C") for char in value):
            raise BadArgument(f"The {self.what} contains control characters.")
        return value or None


def one_of(*choices: str) -> Parser:
    """A parser keeping only the known `choices`; anything else is None (the default)."""
    known = frozenset(choices)

    def parse(raw: str | None) -> str | None:
        return raw if raw in known else None

    return parse


@dataclass(frozen=True)
class QueryArgs:
    """What one view reads from the query string, and the cache key it makes."""

    parsers: tuple[tuple[str, Parser], ...] = ()

    @classmethod
    def declare(cls, args: Mapping[str, Parser] | None) -> QueryArgs:
        return cls(tuple(sorted((args or {}).items())))

    @property
    def free_text(self) -> tuple[tuple[str, FreeText], ...]:
        return tuple((name, p) for name, p in self.parsers if isinstance(p, FreeText))

    def parse(self, get: Callable[[str], str | None]) -> dict[str, Value]:
        """Each declared argument parsed from `get(name)` (raises BadArgument)."""
        return {name: parser(get(name)) for name, parser in self.parsers}

    def key(self, path: str, values: Mapping[str, Value]) -> str:
        """The cache key: the path and the parsed values, in one canonical spelling."""
        if not self.parsers:
            return path
        present = [
            f"{name}={quote(str(value), safe='')}"
            for name, value in sorted(values.items())
            if value is not None
        ]
        return f"{path}?{'&'.join(present)}"

    def canonical(self, values: Mapping[str, Value]) -> dict[str, str]:
        """The parsed values as query arguments (what the view's templates may read)."""
        return {name: str(value) for name, value in values.items() if value is not None}


NO_ARGS = QueryArgs()
