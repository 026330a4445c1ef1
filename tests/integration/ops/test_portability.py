"""`flask export` / `flask import`: can a page move between installs, databases and from
Statuspage, whole, and never half?"""

from __future__ import annotations

import base64
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Component, ComponentStatusPeriod, Incident
from app.services import incidents
from tests.conftest import ROOT
from tests.integration.ops.conftest import Databases
from tests.integration.ops.page_setup import (
    configure_page,
    export_to,
    migrated,
    run_cli,
    table_contents,
)
from tests.integration.ops.site import build_page

STATUSPAGE = ROOT / "tests" / "fixtures" / "statuspage"
_SETUP_SECTIONS = (
    "priority_matrix",
    "incident_templates",
    "maintenance_series",
    "alert_rules",
    "upstream_follows",
)


@pytest.fixture
def both_kinds(tmp_path):
    sqlite, postgresql = Databases("sqlite", tmp_path), Databases("postgresql", tmp_path)
    yield sqlite, postgresql
    sqlite.close()
    postgresql.close()


def _tables(app) -> dict[str, list]:
    with app.app_context():
        contents = table_contents()
        db.session.remove()
    return contents


def test_a_page_moves_from_sqlite_to_postgresql_and_back_unchanged(both_kinds, tmp_path):
    """Export from SQLite, import into PostgreSQL, export again, import into a new SQLite:
    are all three exports identical, and does every table a visitor or a manager sees hold
    the same rows in all three databases (settings and images, groups, components and their
    history, incidents with updates, changes, revisions, postmortems and classification,
    maintenance, the priority matrix, templates, recurring maintenance and its occurrences,
    alert rules, upstream follows)?"""
    sqlite, postgresql = both_kinds
    source = migrated(sqlite)
    with source.app_context():
        build_page()
        first = db.session.scalars(select(Incident).order_by(Incident.id)).first()
        incidents.edit_update(first.updates[-1], body="Corrected wording.", actor="test")
        incidents.delete_incident(db.session.get(Incident, first.id + 1), actor="test")
        configure_page()
        db.session.remove()
    original = export_to(source, tmp_path / "sqlite.json")
    assert original["schema_version"] == 2
    assert original["incidents"][0]["updates"][0]["revisions"]
    assert original["maintenance"] and original["components"][0]["status_periods"]
    for section in _SETUP_SECTIONS:
        assert original[section], section
    assert set(original["images"]) == {"logo", "favicon"}
    assert len(original["maintenance_series"][0]["occurrences"]) >= 2
    assert "owner" not in json.dumps(original) and "two_factor" not in json.dumps(original)
    tables = _tables(source)
    assert set(tables) >= {"page_images", "maintenance_occurrence", "upstream_follow"}

    middle = migrated(postgresql)
    imported = run_cli(middle, "import", str(tmp_path / "sqlite.json"))
    assert imported.exit_code == 0, imported.output + imported.stderr
    assert "2 incident templates, 1 maintenance series, 2 alert rules, 1 upstream follow" in (
        imported.output
    )
    assert export_to(middle, tmp_path / "postgresql.json") == original
    assert _tables(middle) == tables

    back = migrated(sqlite)
    assert run_cli(back, "import", str(tmp_path / "postgresql.json")).exit_code == 0
    assert export_to(back, tmp_path / "back.json") == original
    assert _tables(back) == tables
    with back.app_context():
        # Incident ids kept (links keep working) and new incidents continue after them.
        ids = [i["id"] for i in original["incidents"]]
        assert sorted(db.session.scalars(select(Incident.id))) == sorted(
            ids + [m["id"] for m in original["maintenance"]]
        )
        classified = db.session.scalars(select(Incident).where(Incident.priority.is_not(None)))
        assert [(i.name, i.priority, i.owner_id) for i in classified] == [
            ("Checkout failing", "p1", None)  # p1: the imported matrix, not the default
        ]
        assert _logo_as_served(back) == base64.b64decode(original["images"]["logo"]["data"])
        db.session.remove()
    with middle.app_context():
        opened = incidents.open_incident(name="After the move", impact="minor", message="New.")
        assert opened.id > max(ids)
        db.session.remove()


def _logo_as_served(app) -> bytes:
    """The logo as a visitor's browser fetches it, from the link the page gives."""
    page = app.test_client().get("/").get_data(as_text=True)
    link = next(part for part in page.split('"') if "/logo-" in part)
    return app.test_client().get(link).data


def test_import_refuses_a_page_with_content_and_merges_only_what_is_missing(databases, tmp_path):
    """Importing into a page that has content: refused without --merge; with it, only the
    missing things are added, and a second run adds nothing."""
    source = migrated(databases)
    with source.app_context():
        build_page(incident_count=2)
        db.session.remove()
    document = export_to(source, tmp_path / "page.json")
    target = migrated(databases)
    with target.app_context():
        incidents.open_incident(name="Only here", impact="minor", message="Local.")
        db.session.remove()
    refused = run_cli(target, "import", str(tmp_path / "page.json"))
    assert refused.exit_code != 0
    assert "already has 1 incident. Import" in refused.stderr
    assert "--merge" in refused.stderr and "Nothing was imported." in refused.stderr

    merged = run_cli(target, "import", "--merge", str(tmp_path / "page.json"))
    assert merged.exit_code == 0, merged.stderr
    assert "Imported 1 component group, 3 components, 2 incidents, 1 maintenance." in merged.output
    again = run_cli(target, "import", "--merge", str(tmp_path / "page.json"))
    assert "Imported nothing new." in again.output
    with target.app_context():
        assert db.session.scalar(select(func.count()).select_from(Incident)) == 4
        # The merged incidents' ids were taken by "Only here": renumbered, not lost.
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "page.import")
            )
            == 2
        )
        db.session.remove()
    assert (
        len(export_to(target, tmp_path / "after.json")["incidents"])
        == len(document["incidents"]) + 1
    )


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            lambda d: d["incidents"][1]["updates"][0].update(status="fixed"),
            "incidents[1].updates[0].status: must be one of investigating, identified, monitoring, "
            "resolved (not 'fixed')",
        ),
        (lambda d: d["components"][2].update(name="Bad\x1bname"), "components[2].name"),
        (
            lambda d: d["incidents"][0].update(created_at="yesterday"),
            "incidents[0].created_at: must be an ISO 8601 time with a time zone",
        ),
        (
            lambda d: d["components"][0].update(group="nosuchgroup"),
            "components[0].group: no component group has the code nosuchgroup",
        ),
        (lambda d: d.update(schema_version=99), "schema_version 99 is not one this Herald reads"),
        (lambda d: d.pop("format"), "not a Herald page export"),
        (
            lambda d: d["maintenance"][0].update(updates=[]),
            "maintenance[0].updates: needs at least",
        ),
    ],
)
def test_bad_input_is_named_and_nothing_is_imported(databases, tmp_path, spoil, message):
    """A file with one bad value deep inside: does the message say where, and is nothing —
    not even the components before it — written?"""
    source = migrated(databases)
    with source.app_context():
        build_page(incident_count=2)
        db.session.remove()
    document = export_to(source, tmp_path / "page.json")
    spoil(document)
    (tmp_path / "bad.json").write_text(json.dumps(document))
    target = migrated(databases)
    result = run_cli(target, "import", str(tmp_path / "bad.json"))
    assert result.exit_code == 1
    assert message in result.stderr, result.stderr
    assert "Nothing was imported." in result.stderr
    with target.app_context():
        assert db.session.scalar(select(func.count()).select_from(Component)) == 0
        assert db.session.scalar(select(func.count()).select_from(ComponentStatusPeriod)) == 0
        db.session.remove()


def test_files_that_are_not_json_are_refused(databases, tmp_path):
    """Not JSON at all, or a Statuspage file given without --statuspage: a clear word?"""
    target = migrated(databases)
    (tmp_path / "page.json").write_text("{not json")
    broken = run_cli(target, "import", str(tmp_path / "page.json"))
    assert broken.exit_code == 1 and "is not valid JSON" in broken.stderr
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000)
    deep = run_cli(target, "import", str(tmp_path / "deep.json"))
    assert deep.exit_code == 1 and "is not valid JSON" in deep.stderr
    wrong = run_cli(target, "import", str(STATUSPAGE / "components.json"))
    assert wrong.exit_code == 1 and "import it with --statuspage" in wrong.stderr


def test_export_keeps_an_existing_file_unless_forced(databases, tmp_path):
    """Exporting onto a file that is already there (an earlier export): is it refused with
    the way to overwrite it named, and the file left as it was; and does --force replace it?"""
    source = migrated(databases)
    kept = tmp_path / "page.json"
    kept.write_text("an earlier export\n")
    refused = run_cli(source, "export", str(kept))
    assert refused.exit_code == 1
    assert f"{kept} already exists" in refused.stderr and "--force" in refused.stderr
    assert kept.read_text() == "an earlier export\n"
    forced = run_cli(source, "export", "--force", str(kept))
    assert forced.exit_code == 0, forced.stderr
    assert json.loads(kept.read_text())["format"] == "herald-page"


def _check_statuspage_page(app) -> None:
    client = app.test_client()
    with app.app_context():
        components = client.get("/api/v2/components.json").get_json()["components"]
        codes = {c["id"]: c for c in components}
        assert {
            "h2ftsgbw7kmk",
            "8l4ygp009s5s",
            "brv3bw1rwx7q",
            "vg70hn9s2tyj",
            "brv1bkgrwx7q",
        } <= set(codes)
        assert codes["8l4ygp009s5s"]["group_id"] == "brv1bkgrwx7q"
        assert codes["brv3bw1rwx7q"]["status"] == "degraded_performance"
        listed = client.get("/api/v2/incidents.json").get_json()["incidents"]
        sample = next(i for i in listed if i["name"] == "Incident with Codespaces")
        assert [u["status"] for u in sample["incident_updates"]] == ["resolved", "investigating"]
        assert sample["incident_updates"][1]["affected_components"][0]["code"] == "h2ftsgbw7kmk"
        disruption = next(i for i in listed if i["name"].startswith("Disruption"))
        assert disruption["status"] == "resolved"  # Statuspage's "postmortem"
        stored = db.session.get(Incident, int(disruption["id"]))
        assert "configuration change" in stored.postmortem_body
        assert stored.postmortem_published_at is not None
        upcoming = client.get("/api/v2/scheduled-maintenances/upcoming.json").get_json()
        assert [m["name"] for m in upcoming["scheduled_maintenances"]] == [
            "Webhook delivery upgrade"
        ]
        page = client.get("/")
        assert page.status_code == 200 and "GitHub" in page.get_data(as_text=True)
        db.session.remove()


def test_a_statuspage_export_imports_from_files(databases):
    """Can a team moving from Statuspage import its components, incidents and maintenance
    from the /api/v2 JSON files, and see them on the page and in the API?"""
    target = migrated(databases)
    result = run_cli(target, "import", "--statuspage", str(STATUSPAGE))
    assert result.exit_code == 0, result.stderr
    assert "Imported 1 component group, 4 components, 2 incidents, 2 maintenance." in result.output
    _check_statuspage_page(target)


@pytest.fixture
def statuspage_site():
    """A local HTTP server answering /api/v2/<document> with the captured JSON."""
    root = Path(__file__).parent / "_served"

    class Handler(SimpleHTTPRequestHandler):
        def translate_path(self, path):
            name = path.split("?", 1)[0].rsplit("/", 1)[-1]
            return str(STATUSPAGE / name) if path.startswith("/api/v2/") else str(root / "missing")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(STATUSPAGE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_statuspage_page_imports_from_its_address(databases, statuspage_site):
    """`flask import --statuspage https://status.example.com`: one command to switch?"""
    target = migrated(databases)
    result = run_cli(target, "import", "--statuspage", statuspage_site)
    assert result.exit_code == 0, result.stderr
    assert "Fetching components.json" in result.stderr
    _check_statuspage_page(target)


def test_an_unreachable_statuspage_address_says_so(databases, statuspage_site):
    """A wrong address or a server that does not answer: a clear message, nothing imported."""
    target = migrated(databases)
    missing = run_cli(target, "import", "--statuspage", statuspage_site + "/nested")
    assert missing.exit_code == 1 and "answered 404" in missing.stderr
    silent = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)  # never served
    try:
        url = f"http://127.0.0.1:{silent.server_address[1]}"
        slow = run_cli(target, "import", "--statuspage", "--timeout", "1", url)
    finally:
        silent.server_close()
    assert slow.exit_code == 1 and "Could not fetch" in slow.stderr
    assert "Nothing was imported." in slow.stderr
    with target.app_context():
        assert db.session.scalar(select(func.count()).select_from(Component)) == 0
        db.session.remove()
