"""After a change, is the mirror current without publishing everything again?"""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.cache import version as cache_version
from app.extensions import db
from app.mirror import job as mirror_job
from app.mirror import update
from app.mirror.files import MARKER, file_for
from app.mirror.job import MirrorJob
from app.mirror.publish import Fetcher, publish
from app.models import Incident
from app.public import pages
from app.services import components, incidents


@pytest.fixture(autouse=True)
def steady_clock(monkeypatch):
    """One cache generation (and no clock refresh) for the whole test."""
    monkeypatch.setattr(cache_version, "CLOCK_BUCKET_SECONDS", 10**9)


@pytest.fixture
def site(app, make_component, monkeypatch):
    """Two components, seven resolved incidents (four history pages of 2), one open."""
    monkeypatch.setattr(pages, "HISTORY_PER_PAGE", 2)
    api = make_component("API")
    make_component("Website")
    for number in range(7):
        opened = incidents.open_incident(
            name=f"Outage {number}",
            impact="minor",
            message="Looking into it.",
            actor="test",
            components={api.id: "degraded_performance"},
        )
        incidents.post_update(opened, status="resolved", message="Fixed.", actor="test")
    incidents.open_incident(name="Slow logins", impact="major", message="Seen.", actor="test")
    return app


def _tree(root: Path) -> dict[str, bytes]:
    """Every file of a mirror, by name; an incident's API document without the page's
    `updated_at`, which the mirror keeps from when that incident last changed."""
    tree = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if not path.is_file() or path.name == MARKER:
            continue
        body = path.read_bytes()
        if name.endswith(".gz"):
            body = b"gz" if gzip.decompress(body) == (root / name[:-3]).read_bytes() else body
        elif name.startswith("api/v2/incidents/") and name[17:-5].isdigit():
            document = json.loads(body)
            document["page"].pop("updated_at")
            body = json.dumps(document).encode()
        tree[name] = body
    return tree


def _stamps(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def _served(app, path: str) -> bytes:
    response = app.test_client().get(path, base_url=app.config["SITE_URL"])
    assert response.status_code == 200, path
    return response.get_data()


def _open_incident():
    return db.session.scalar(select(Incident).where(Incident.name == "Slow logins"))


def _published(app, tmp_path) -> tuple[MirrorJob, Path]:
    mirror = tmp_path / "mirror"
    job = MirrorJob(app, mirror)
    assert job.run_once().kind == "full"
    return job, mirror


def test_an_update_leaves_the_mirror_as_a_full_publish_would(site, tmp_path):
    """After resolving an incident, are the status page, its page, every history page, the
    feeds and the API documents in the mirror exactly what a full publish writes?"""
    job, mirror = _published(site, tmp_path)
    opened = _open_incident()
    incidents.post_update(opened, status="resolved", message="Logins are fast.", actor="test")
    result = job.run_once()
    assert result.kind == "changes"
    fresh = tmp_path / "fresh"
    publish(site, fresh)
    assert _tree(mirror) == _tree(fresh)
    assert b"Logins are fast." in (mirror / file_for(f"/incidents/{opened.id}")).read_bytes()
    assert (mirror / "index.html").read_bytes() == _served(site, "/")
    assert (mirror / file_for("/history", 4)).is_file()
    assert not (mirror / file_for("/history", 5)).exists()


def test_untouched_incident_pages_are_not_rewritten(site, tmp_path):
    """Does an update rewrite its incident's page but leave every other incident page alone?"""
    job, mirror = _published(site, tmp_path)
    before = _stamps(mirror)
    opened = _open_incident()
    incidents.post_update(opened, status="identified", message="Found it.", actor="test")
    result = job.run_once()
    after = _stamps(mirror)
    touched = file_for(f"/incidents/{opened.id}")
    assert after[touched] != before[touched]
    others = [n for n in before if n.startswith("incidents/") and not n.startswith(touched)]
    assert len(others) == 14  # seven pages and their .gz twins
    assert all(after[name] == before[name] for name in others)
    # An open incident is in no history page: none is fetched again or rewritten.
    assert all(after[name] == before[name] for name in before if "history/page/" in name)
    assert result.fetched < len(before) / 3


def test_an_update_posted_in_the_admin_reaches_the_mirror(site, tmp_path, as_manager):
    """Does an update posted through the admin show on the mirror's page and incident page?"""
    job, mirror = _published(site, tmp_path)
    opened = _open_incident()
    response = as_manager.post(
        f"/admin/incidents/{opened.id}/updates",
        data={"status": "monitoring", "message": "A fix is rolling out."},
    )
    assert response.status_code == 302
    assert job.run_once().kind == "changes"
    incident_page = (mirror / file_for(f"/incidents/{opened.id}")).read_bytes()
    assert b"A fix is rolling out." in incident_page
    assert incident_page == _served(site, f"/incidents/{opened.id}")
    assert (mirror / "index.html").read_bytes() == _served(site, "/")
    assert (mirror / "history.atom").read_bytes() == _served(site, "/history.atom")


def test_a_restarted_job_publishes_only_what_changed_meanwhile(site, tmp_path):
    """After the worker restarts, does it still know what changed while it was away?"""
    _job, mirror = _published(site, tmp_path)
    components.set_status(components.list_components()[1], "major_outage", actor="test")
    restarted = MirrorJob(site, mirror)
    result = restarted.run_once()
    assert result.kind == "changes"
    assert b"major_outage" in (mirror / "api/v2/components.json").read_bytes()
    website = components.list_components()[1]
    badge = (mirror / f"components/{website.code}/badge.svg").read_bytes()
    assert badge == _served(site, f"/components/{website.code}/badge.svg")


def test_when_the_change_log_cannot_tell_everything_is_published(site, tmp_path):
    """If the version moved without a record (a restored backup, a hand edit), is the
    whole mirror published again rather than trusting a partial update?"""
    job, mirror = _published(site, tmp_path)
    db.session.execute(text("UPDATE incident SET name = 'Renamed by hand' WHERE id = 1"))
    db.session.execute(text("UPDATE page_settings SET version = version + 1"))
    db.session.commit()
    assert job.run_once().kind == "full"
    assert b"Renamed by hand" in (mirror / "incidents/1/index.html").read_bytes()


def test_a_deleted_incident_leaves_the_mirror(site, tmp_path):
    """Once an incident is deleted, are its page and document gone from the mirror?"""
    job, mirror = _published(site, tmp_path)
    opened = _open_incident()
    incidents.delete_incident(opened, actor="test")
    assert job.run_once().kind == "changes"
    assert not (mirror / file_for(f"/incidents/{opened.id}")).exists()
    assert not (mirror / f"api/v2/incidents/{opened.id}.json").exists()
    assert (mirror / "index.html").read_bytes() == _served(site, "/")


def test_a_component_change_reaches_every_document_that_shows_it(site, tmp_path):
    """A renamed component is listed, as it is now, in the API document of every incident
    that concerned it: are those documents, its feeds and badge, current?"""
    job, mirror = _published(site, tmp_path)
    api = components.list_components()[0]
    components.update_component(
        api, name="Public API", description=None, group_id=None, actor="test"
    )
    assert job.run_once().kind == "changes"
    assert b"Public API" in (mirror / "api/v2/incidents/1.json").read_bytes()
    assert b"Public API" in (mirror / f"components/{api.code}/badge.svg").read_bytes()
    fresh = tmp_path / "fresh"
    publish(site, fresh)
    assert _tree(mirror) == _tree(fresh)


def test_the_embedded_job_runs_in_its_own_thread_and_follows_changes(site, tmp_path):
    """With HERALD_PUBLISH_DIR set, does the worker start a thread that keeps the mirror
    current within seconds of an update?"""
    mirror = tmp_path / "mirror"
    site.config["PUBLISH_DIR"] = str(mirror)
    stop = threading.Event()
    try:
        thread = mirror_job.start(site, stop)
        assert thread is not None and thread.name == "herald-mirror"
        _wait_for(lambda: (mirror / MARKER).is_file())
        opened = _open_incident()
        incidents.post_update(opened, status="monitoring", message="Watching.", actor="test")
        page = mirror / file_for(f"/incidents/{opened.id}")
        _wait_for(lambda: b"Watching." in page.read_bytes())
    finally:
        stop.set()
        site.config["PUBLISH_DIR"] = None
    thread.join(5)
    assert not thread.is_alive()


def _wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the mirror did not catch up"
        time.sleep(0.05)


def test_publish_explains_a_directory_it_cannot_use(site, tmp_path):
    """Does `flask publish` say what is wrong with DIR, without a traceback?"""
    runner = site.test_cli_runner()
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = {
        str(tmp_path / "missing" / "deeper" / "out"): "does not exist",
        str(afile): "not a directory",
        str(afile / "out"): "",
        "/proc/herald-mirror": "Cannot write",
    }
    for directory, message in cases.items():
        result = runner.invoke(args=["publish", directory])
        assert result.exit_code != 0, directory
        assert (
            "Traceback" not in result.output
            and result.exception is None
            or isinstance(result.exception, SystemExit)
        ), result.output
        assert "Error:" in result.output and message in result.output, result.output
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        result = runner.invoke(args=["publish", str(locked / "out")])
        assert result.exit_code != 0 and "Cannot write" in result.output


@pytest.mark.parametrize(
    "lands_at", [("/history.atom", None), ("/history", 2)], ids=["first pass", "history pages"]
)
def test_a_change_landing_during_an_update_goes_out_first(site, tmp_path, monkeypatch, lands_at):
    """When a change lands while the job is still writing the last one (its page-wide
    documents, or the history pages a resolution moved), does the job stop, publish the
    new change, then finish everything?"""
    monkeypatch.setattr(update, "CHECK_SECONDS", 0)
    job, mirror = _published(site, tmp_path)
    opened = _open_incident()
    # A resolution moves every history page along by one.
    incidents.post_update(opened, status="resolved", message="Fixed.", actor="test")
    original = Fetcher.get

    def get(self, path, page=None):
        if (path, page) == lands_at and not landed:
            landed.append(True)
            with site.app_context():
                incidents.open_incident(
                    name="Another one", impact="minor", message="Seen.", actor="test"
                )
        return original(self, path, page)

    landed: list[bool] = []
    monkeypatch.setattr(Fetcher, "get", get)
    first = job.run_once()
    assert landed and not first.complete
    assert b"Another one" not in (mirror / "index.html").read_bytes()
    second = job.run_once()
    assert b"Another one" in (mirror / "index.html").read_bytes()
    while not second.complete:
        second = job.run_once()
    monkeypatch.setattr(Fetcher, "get", original)
    fresh = tmp_path / "fresh"
    publish(site, fresh)
    assert _tree(mirror) == _tree(fresh)
