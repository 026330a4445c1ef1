"""Publishing the public side as static files, for nginx or a CDN: all of it, or what changed.

Every page is fetched through the Flask test client, so the mirror holds
exactly the bytes the app serves: each GET route of the `public` and `api`
blueprints without URL arguments, each route whose arguments Herald can list
(incidents by id, components by code), every history page (`/history?page=N`,
written as `history/page/N/index.html`; nginx maps the query back), and the
files under /static. Paths ending in a name with a dot are written as is;
others become `<path>/index.html`. Text files get a `.gz` twin for nginx's
`gzip_static`.

`publish` builds the whole mirror in a temporary directory beside DIR and swaps
it in with one rename, so a reader never sees half a mirror. DIR must be new,
empty or an earlier mirror (it holds a `.herald-mirror` marker): publish never
replaces a directory it did not write.

`publish_changes` (update.py) updates a mirror in place after a change.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import Rule

from app.extensions import db
from app.mirror import changes as change_log
from app.mirror.files import (
    MARKER,
    Marker,
    PublishError,
    build_fingerprint,
    check_target,
    file_for,
    lock,
    remove,
    swap_in,
    write,
)
from app.models import Component, Incident
from app.observability.requests import UNOBSERVED
from app.services import status as status_service
from app.services.page import get_settings

BLUEPRINTS = ("public", "api")
_UNOBSERVED = {UNOBSERVED: True}
HISTORY = "/history"


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


def public_rules(app: Flask) -> list[Rule]:
    """The GET routes of the public and api blueprints, in URL order."""
    return [
        rule
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
        if rule.endpoint.split(".")[0] in BLUEPRINTS and "GET" in rule.methods
    ]


def build_paths(rules: Iterable[Rule], name: str, values: Iterable[str]) -> list[str]:
    """The paths of every rule taking just the argument `name`, for each value."""
    values = list(values)
    return [
        rule.build({name: value})[1]
        for rule in rules
        if set(rule.arguments) == {name}
        for value in values
    ]


@dataclass
class Plan:
    """What to fetch, and what could not be planned."""

    paths: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)


def plan(app: Flask) -> Plan:
    """Every public URL to publish, from the url_map and the database (needs an app context)."""
    result, values = Plan(), {}
    for rule in public_rules(app):
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


@dataclass(frozen=True)
class History:
    """The history pages as they stand: which incidents each lists."""

    pages: list[list[int]]

    @classmethod
    def read(cls) -> History:
        from app.public import pages as public_pages  # the page size the view uses

        per_page = public_pages.HISTORY_PER_PAGE
        ids = status_service.history_ids()
        count = status_service.page_count(len(ids), per_page)
        return cls([ids[n * per_page : (n + 1) * per_page] for n in range(count)])

    def fingerprints(self) -> list[str]:
        """Per page: what it lists and "page N of M" (so a page renders again when
        either moves)."""
        total = len(self.pages)
        return [
            hashlib.sha1(f"{total}:{items}".encode(), usedforsecurity=False).hexdigest()[:16]
            for items in self.pages
        ]


def build_of(app: Flask) -> str:
    """The fingerprint of what renders the mirror (code, templates, static, settings)."""
    from app.public import pages as public_pages

    templates = os.path.join(app.root_path, app.template_folder or "templates")
    extra = f"{app.config.get('SITE_URL')}|{public_pages.HISTORY_PER_PAGE}"
    return build_fingerprint(app.root_path, templates, app.static_folder, extra=extra)


@dataclass
class Result:
    directory: Path
    generation: str
    kind: str = "full"
    files: int = 0
    fetched: int = 0
    removed: int = 0
    complete: bool = True  # False: history pages left for the next run
    skipped: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Fetcher:
    """GETs public URLs through the app and writes what they answer into `root`."""

    def __init__(self, app: Flask, root: Path, result: Result, *, in_place: bool):
        self.client = app.test_client()
        self.base_url = app.config.get("SITE_URL") or "http://localhost"
        self.root = root
        self.result = result
        self.in_place = in_place

    def get(self, path: str, page: int | None = None) -> bytes | None:
        """The body at `path` (or `path?page=N`), written; None when it answers 404."""
        url = path if page is None else f"{path}?page={page}"
        response = self.client.get(url, base_url=self.base_url, environ_base=_UNOBSERVED)
        body = response.get_data()
        response.close()  # static files are streamed from an open file
        self.result.fetched += 1
        target = self.root / file_for(path, page)
        if response.status_code == 404 and path != "/":
            self.result.skipped.append(url)
            if self.in_place and remove(target):
                self.result.removed += 1
            return None
        if response.status_code != 200:
            raise PublishError(
                f"GET {url} answered {response.status_code} while publishing; the old "
                "mirror is unchanged. Fix the cause (see the log above) and publish again."
            )
        self.put(target, body, response.mimetype)
        return body

    def put(self, target: Path, body: bytes, mimetype: str) -> None:
        changed = _writable(
            lambda: write(target, body, mimetype, only_if_changed=self.in_place), target.parent
        )
        if changed:
            self.result.files += 1


def read_database(fn):
    """Run a read of the database for planning; a clear error when it cannot be read."""
    try:
        return fn()
    except SQLAlchemyError as exc:
        raise PublishError(
            f"Cannot read the database ({exc.__class__.__name__}). "
            "Check DATABASE_URL and run `flask db upgrade`, then publish again."
        ) from exc
    finally:
        db.session.remove()


def publish(app: Flask, directory: Path, *, progress: bool = False) -> Result:
    """Write the public side into `directory`, swapping it in atomically."""
    directory = Path(directory).resolve()
    check_target(directory)
    with lock(directory, wait=True):
        return publish_locked(app, directory, progress=progress)


def publish_locked(app: Flask, directory: Path, *, progress: bool = False) -> Result:
    """`publish`, for a caller already holding the mirror's lock."""
    started = time.monotonic()
    check_target(directory)
    with app.app_context():
        generation, work, history = read_database(
            lambda: (change_log.generation(db.session), plan(app), History.read())
        )
        result = Result(directory, generation, unlisted=work.unlisted)
        building = _writable(
            lambda: Path(
                tempfile.mkdtemp(prefix=f".{directory.name}.publishing-", dir=directory.parent)
            ),
            directory.parent,
        )
        try:
            # An empty context: each request gets its own app context and session,
            # as in production, instead of sharing the caller's for 100,000 pages.
            fetcher = Fetcher(app, building, result, in_place=False)
            contextvars.Context().run(_fetch_all, fetcher, work.paths, history, progress)
            fingerprints = history.fingerprints()
            if read_database(lambda: change_log.generation(db.session)) != generation:
                # Pages rendered after a change landed may not match the list read
                # before it: the next update checks every history page again.
                fingerprints = [""] * len(fingerprints)
                result.complete = False
            Marker(generation, build_of(app), fingerprints).save(building)
            building.chmod(0o755)
            _writable(lambda: swap_in(building, directory), directory)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    result.seconds = time.monotonic() - started
    return result


def _writable(fn, where: Path):
    """Run a file system step; a clear error (not a traceback) when the disk refuses."""
    try:
        return fn()
    except OSError as exc:
        raise PublishError(
            f"Cannot write in {where} ({exc.strerror or exc}). Give this user write access "
            "there, or choose another directory; the old mirror is unchanged."
        ) from exc


def _fetch_all(fetcher: Fetcher, paths: list[str], history: History, progress: bool) -> None:
    extra_pages = len(history.pages) if len(history.pages) > 1 else 0
    bar = click.progressbar(
        length=len(paths) + max(0, extra_pages - 1),
        label="Publishing",
        hidden=not progress,
        show_pos=True,
        show_eta=True,
    )
    with bar:
        for path in paths:
            body = fetcher.get(path)
            bar.update(1)
            if path == HISTORY and body is not None and extra_pages:
                # Page 1 is also reachable as ?page=1.
                fetcher.put(fetcher.root / file_for(HISTORY, 1), body, "text/html")
                for page in range(2, extra_pages + 1):
                    fetcher.get(HISTORY, page)
                    bar.update(1)


def report(result: Result, echo: Callable[[str], None]) -> None:
    if result.kind == "full":
        echo(f"Published {result.files} files to {result.directory} in {result.seconds:.1f} s.")
    else:
        echo(
            f"Updated {result.directory}: {result.files} of {result.fetched} pages changed, "
            f"{result.removed} removed, in {result.seconds:.2f} s."
        )
    if result.skipped and result.kind == "full":
        echo(f"  {len(result.skipped)} URLs answered 404 and were left out.")
    for rule in result.unlisted:
        echo(f"  Not published: {rule} (its URL arguments cannot be listed).")


__all__ = ["MARKER", "PublishError", "Result", "file_for", "plan", "publish"]
