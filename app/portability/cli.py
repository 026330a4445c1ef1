"""`flask export FILE.json` and `flask import FILE.json | --statuspage SOURCE…`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from app.backup.common import check_target_file
from app.portability import statuspage
from app.portability.export import export_page
from app.private_files import write_private
from app.services.errors import ServiceError
from app.text import counted


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def export_command(file: Path, force: bool) -> None:
    """Write the whole page (settings, images, components, incidents, maintenance, templates,
    recurring maintenance, alert rules, upstream follows) to FILE as JSON."""
    to_stdout = str(file) == "-"
    if not to_stdout:
        # As `flask backup` does: an earlier export (the copy kept before a change) is not
        # replaced by a slip of the shell's history.
        check_target_file(file, force)
    document = export_page()
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if to_stdout:
        sys.stdout.write(text)
        return
    write_private(file, text)
    click.secho(
        f"Exported {len(document['components'])} components, {len(document['incidents'])} "
        f"incidents and {len(document['maintenance'])} maintenance to {file}.",
        fg="green",
        err=True,
    )


def _load_herald(sources: tuple[str, ...], _timeout: float) -> tuple[dict, str]:
    if len(sources) != 1:
        raise click.UsageError("Give one FILE.json written by `flask export`.")
    path = Path(sources[0])
    try:
        raw = sys.stdin.buffer.read() if sources[0] == "-" else path.read_bytes()
        document = json.loads(raw)
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror}.") from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        message = f"{path} is not valid JSON: {exc}. Nothing was imported."
        raise click.ClickException(message) from exc
    if not isinstance(document, dict):
        raise click.ClickException(f"{path} is not a Herald page export. Nothing was imported.")
    return document, path.name


def _load_statuspage(sources: tuple[str, ...], timeout: float) -> tuple[dict, str]:
    if not sources:
        raise click.UsageError("Give the page's address, or its JSON files or a directory.")
    try:
        if len(sources) == 1 and sources[0].startswith(("http://", "https://")):
            click.echo(f"Fetching {', '.join(statuspage.DOCUMENTS)} from {sources[0]}…", err=True)
            documents, source = statuspage.fetch(sources[0], timeout), sources[0]
        else:
            documents = statuspage.read_files([Path(s) for s in sources])
            source = ", ".join(Path(s).name for s in sources)
        return statuspage.to_herald(documents), f"statuspage: {source}"
    except statuspage.SourceError as exc:
        raise click.ClickException(f"{exc} Nothing was imported.") from exc


def _total(document: dict) -> int:
    keys = (
        "component_groups",
        "components",
        "incidents",
        "maintenance",
        "incident_templates",
        "maintenance_series",
        "alert_rules",
        "upstream_follows",
    )
    return sum(len(document.get(key) or []) for key in keys if isinstance(document.get(key), list))


@click.command("import")
@click.argument("sources", nargs=-1)
@click.option(
    "--statuspage",
    "from_statuspage",
    is_flag=True,
    help="SOURCES are a Statuspage "
    "page's address, or its /api/v2 JSON files (or a directory of them).",
)
@click.option("--merge", is_flag=True, help="Keep what the page has and add what is missing.")
@click.option(
    "--timeout",
    default=statuspage.TIMEOUT_SECONDS,
    show_default=True,
    type=float,
    help="Seconds to wait for each document fetched from a Statuspage address.",
)
def import_command(
    sources: tuple[str, ...], from_statuspage: bool, merge: bool, timeout: float
) -> None:
    """Import a page from FILE.json (`flask export`) or from Statuspage (--statuspage)."""
    from app.services.page_import import import_page

    loader = _load_statuspage if from_statuspage else _load_herald
    document, source = loader(sources, timeout)
    bar = click.progressbar(
        length=_total(document), label="Importing", show_pos=True, file=sys.stderr
    )
    try:
        with bar:
            result = import_page(
                document, merge=merge, source=source, actor="cli", progress=lambda: bar.update(1)
            )
    except ServiceError as exc:
        raise click.ClickException(f"{exc.message} Nothing was imported.") from exc
    added = ", ".join(counted(n, what) for what, n in result.added.items()) or "nothing new"
    click.secho(f"Imported {added}.", fg="green")
    if result.kept:
        kept = ", ".join(counted(n, what) for what, n in result.kept.items())
        click.echo(f"Already here, left as they are: {kept}.")
    if result.settings_imported:
        click.echo("Page settings imported.")
    elif document.get("settings"):
        click.echo("Page settings left as they are (the page was not empty).")
    for old, new in sorted(result.renumbered.items()):
        click.echo(f"  incident {old} is incident {new} here (its id was taken)")
