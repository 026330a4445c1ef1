"""CSV downloads that open safely in a spreadsheet: shared by every export Herald offers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

# Written first, so that Excel reads the file as UTF-8 rather than the local code page.
BYTE_ORDER_MARK = "\ufeff"

# A cell starting with one of these would run as a formula (or hide one) in a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ would run as a formula."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in _FORMULA_STARTS else text


def lines(header: list[str], batches: Iterable[Iterable[list]]) -> Iterator[str]:
    """The header, then one chunk of CSV text per batch of rows, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        chunk = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return chunk

    writer.writerow(header)
    yield flush()
    for batch in batches:
        for row in batch:
            writer.writerow([cell(value) for value in row])
        yield flush()
