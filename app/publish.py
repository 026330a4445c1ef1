"""`flask publish DIR`: the whole public side as static files, for nginx or a CDN.

Every page is fetched through the Flask test client, so the mirror holds
exactly the bytes the app serves: each GET route of the `public` and `api`
blueprints without URL arguments, each route whose arguments Herald can list
(incidents by id, components by code), every `?page=N` a page links to
(written as `<path>/page/N/index.html`; nginx maps the query back), and the
files under /static. Paths ending in a name with a dot are written as is;
others become `<path>/index.html`. Text files get a `.gz` twin for nginx's
`gzip_static`.

The mirror is built in a temporary directory beside DIR and swapped in with
one rename, so a reader never sees half a mirror. DIR must be new, empty or
an earlier mirror (it holds a `.herald-mirror` marker): publish never
replaces a directory it did not write.
"""

from __future__ import annotations

import contextvars
import ctypes
import ctypes.util
import gzip
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.cache import read_generation
from app.extensions import db
from app.models import Component, Incident
from app.services.page import get_settings

MARKER = ".herald-mirror"
BLUEPRINTS = ("public", "api")
_GZIP_TYPES = ("text/", "json", "javascript", "xml", "svg")
_RENAME_EXCHANGE = 2


class PublishError(click.ClickException):
    """A publish that cannot go on; the message says what to do next."""


def _incident_ids() -> list[str]:
    return [str(i) for i in db.session.scalars(select(Incident.id).order_by(Incident.id))]


def _component_codes() -> list[str]:
    return list(db.session.scalars(select(Component.code).order_by(Component.id)))


def _brand_files() -> list[str]:
    logo = get_settings().logo_image
    return [logo] if logo else []


# URL arguments Herald knows how to list; a route needing any other is reported.
ARGUMENT_VALUES: dict[str, Callable[[], list[str]]] = {
    "incident_id": _incident_ids,
    "code": _component_codes,
    "filename": _brand_files,
}


@dataclass
class Plan:
    """What to fetch, and what could not be planned."""

    paths: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)


def plan(app: Flask) -> Plan:
    """Every public URL to publish, from the url_map and the database (needs an app context)."""
    result, values = Plan(), {}
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
    for rule in rules:
        if rule.endpoint.split(".")[0] not in BLUEPRINTS or "GET" not in rule.methods:
            continue
        missing = [name for name in rule.arguments if name not in ARGUMENT_VALUES]
        if missing:
            result.unlisted.append(rule.rule)
            continue
        if not rule.arguments:
            result.paths.append(rule.build({})[1])
            continue
        # Herald's argument routes each take one listed argument.
        (name,) = rule.arguments
        if name not in values:
            values[name] = ARGUMENT_VALUES[name]()
        result.paths.extend(rule.build({name: value})[1] for value in values[name])
    static = Path(app.static_folder)
    for file in sorted(static.rglob("*")):
        if file.is_file() and not file.name.startswith("."):
            result.paths.append(f"{app.static_url_path}/{file.relative_to(static).as_posix()}")
    return result


def file_for(path: str, page: int | None = None) -> str:
    """The mirror file (relative) that serves `path`, or `path?page=N`."""
    path = path.strip("/")
    if page is not None:
        return f"{path}/page/{page}/index.html".lstrip("/")
    if not path:
        return "index.html"
    if "." in path.rsplit("/", 1)[-1]:
        return path
    return f"{path}/index.html"


def _next_page_link(path: str, body: bytes, page: int) -> bool:
    pattern = rf'href="{re.escape(path)}\?page={page + 1}"'.encode()
    return re.search(pattern, body) is not None


@dataclass
class Result:
    directory: Path
    generation: str
    files: int = 0
    skipped: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    seconds: float = 0.0


def publish(app: Flask, directory: Path, *, progress: bool = False) -> Result:
    """Write the public side into `directory`, swapping it in atomically."""
    started = time.monotonic()
    directory = Path(directory).resolve()
    _check_target(directory)
    with app.app_context():
        try:
            generation = read_generation()
            work = plan(app)
        except SQLAlchemyError as exc:
            raise PublishError(
                f"Cannot read the database ({exc.__class__.__name__}). "
                "Check DATABASE_URL and run `flask db upgrade`, then publish again."
            ) from exc
        finally:
            db.session.remove()
    result = Result(directory, generation, unlisted=work.unlisted)
    building = Path(tempfile.mkdtemp(prefix=f".{directory.name}.publishing-", dir=directory.parent))
    try:
        # An empty context: each request gets its own app context and session,
        # as in production, instead of sharing the caller's for 100,000 pages.
        contextvars.Context().run(_fetch_all, app, work.paths, building, result, progress)
        (building / MARKER).write_text(f"generation {generation}\n", encoding="utf-8")
        building.chmod(0o755)
        _swap_in(building, directory)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    result.seconds = time.monotonic() - started
    return result


def _fetch_all(app: Flask, paths: list[str], root: Path, result: Result, progress: bool) -> None:
    client = app.test_client()
    base_url = app.config.get("SITE_URL") or "http://localhost"
    queue: list[tuple[str, int | None]] = [(path, None) for path in paths]
    bar = click.progressbar(
        length=len(queue), label="Publishing", hidden=not progress, show_pos=True
    )
    with bar:
        index = 0
        while index < len(queue):
            path, page = queue[index]
            index += 1
            url = path if page is None else f"{path}?page={page}"
            response = client.get(url, base_url=base_url)
            body = response.get_data()
            response.close()  # static files are streamed from an open file
            bar.update(1)
            if response.status_code == 404 and path != "/":
                result.skipped.append(url)
                continue
            if response.status_code != 200:
                raise PublishError(
                    f"GET {url} answered {response.status_code} while publishing; the old "
                    "mirror is unchanged. Fix the cause (see the log above) and publish again."
                )
            _write(root / file_for(path, page), body, response.mimetype)
            result.files += 1
            if page is None and response.mimetype == "text/html" and _next_page_link(path, body, 1):
                # Page 1 is also reachable as ?page=1.
                _write(root / file_for(path, 1), body, response.mimetype)
                queue.append((path, 2))
                bar.length += 1
            elif page is not None and _next_page_link(path, body, page):
                queue.append((path, page + 1))
                bar.length += 1


def _write(target: Path, body: bytes, mimetype: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    if len(body) >= 256 and any(kind in mimetype for kind in _GZIP_TYPES):
        Path(f"{target}.gz").write_bytes(gzip.compress(body, compresslevel=6, mtime=0))


def _check_target(directory: Path) -> None:
    parent = directory.parent
    if not parent.is_dir():
        raise PublishError(f"{parent} does not exist. Create it first (mkdir -p {parent}).")
    if not os.access(parent, os.W_OK):
        raise PublishError(
            f"Cannot write in {parent}: publish builds the new mirror beside {directory.name}. "
            "Give this user write access there, or choose another directory."
        )
    if directory.exists() and not directory.is_dir():
        raise PublishError(f"{directory} exists and is not a directory; choose another path.")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / MARKER).exists():
        raise PublishError(
            f"{directory} is not empty and is not a Herald mirror (no {MARKER} file), so "
            "publish will not replace it. Choose a new or empty directory."
        )


def _swap_in(building: Path, directory: Path) -> None:
    """Put `building` at `directory` in one step; the old mirror is removed afterwards."""
    if not directory.exists():
        os.rename(building, directory)
        return
    if _exchange(building, directory):
        shutil.rmtree(building)  # now holds the old mirror
        return
    # No atomic exchange here (not Linux, or the file system refuses): two
    # renames, with a moment in between where the directory is missing.
    retired = building.with_name(building.name + "-old")
    os.rename(directory, retired)
    os.rename(building, directory)
    shutil.rmtree(retired)


def _exchange(first: Path, second: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): swap two paths atomically (Linux ≥ 3.15)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_cwd = -100
    code = renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), _RENAME_EXCHANGE)
    return code == 0


def report(result: Result, echo: Callable[[str], None]) -> None:
    echo(f"Published {result.files} files to {result.directory} in {result.seconds:.1f} s.")
    if result.skipped:
        echo(f"  {len(result.skipped)} URLs answered 404 and were left out.")
    for rule in result.unlisted:
        echo(f"  Not published: {rule} (its URL arguments cannot be listed).")


@click.command("publish")
@click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path, resolve_path=True)
)
def publish_command(directory: Path | None) -> None:
    """Write the public side as static files into DIRECTORY (default: HERALD_PUBLISH_DIR)."""
    directory = directory or _configured_directory()
    result = publish(current_app._get_current_object(), directory, progress=True)
    report(result, click.echo)
    click.echo("Serve it with bench/nginx-mirror.conf (see bench/README.md).")


def _configured_directory() -> Path:
    configured = current_app.config.get("PUBLISH_DIR")
    if not configured:
        raise PublishError("Give a directory (flask publish DIR) or set HERALD_PUBLISH_DIR.")
    return Path(configured)
