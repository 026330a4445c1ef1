"""Moving a whole page between installs: `flask export`, `flask import`, and an import
from a Statuspage page's public /api/v2 documents.

- export.py: the page as one JSON document (format in docs/export-format.md);
- statuspage.py: Statuspage documents (files or fetched) turned into that format;
- cli.py: the commands. The import itself is a service (app/services/page_import.py):
  every value through the same checks and text rule as the forms, one transaction.
"""

from __future__ import annotations

from datetime import datetime

FORMAT = "herald-page"
SCHEMA_VERSION = 2


def stamp(value: datetime | None) -> str | None:
    """UTC, microseconds, `Z`: the one spelling every database round-trips."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
