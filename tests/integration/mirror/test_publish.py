"""Does `flask publish` write a static mirror that serves exactly what the app serves?"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cache import version as cache_version
from app.extensions import db
from app.mirror.files import MARKER, PublishError, file_for
from app.mirror.job import MirrorJob
from app.mirror.publish import plan, publish
from app.public import pages
from app.services import components, incidents


@pytest.fixture(autouse=True)
def steady_clock(monkeypatch):
    """One cache generation for the whole test, even across a five-minute boundary."""
    monkeypatch.setattr(cache_version, "CLOCK_BUCKET_SECONDS", 10**9)


@pytest.fixture
def site(app, make_component):
    """A page with two components and three resolved incidents (two history pages of 2)."""
    api = make_component("API")
    make_component("Website")
    for number in range(3):
        opened = incidents.open_incident(
            name=f"Outage {number}", impact="minor", message="Looking into it.", actor="test"
        )
        incidents.post_update(opened, status="resolved", message="Fixed.", actor="test")
    components.set_status(api, "degraded_performance", actor="test")
    return app


def _served(app, path: str) -> bytes:
    response = app.test_client().get(path, base_url=app.config["SITE_URL"])
    assert response.status_code == 200, path
    body = response.get_data()
    response.close()
    return body


def test_publish_writes_the_page_api_documents_and_feeds(site, tmp_path, monkeypatch):
    """Are index.html, every API document and every feed that exists in the mirror?"""
    monkeypatch.setattr(pages, "HISTORY_PER_PAGE", 2)
    mirror = tmp_path / "mirror"
    result = publish(site, mirror)
    assert (mirror / "index.html").is_file()
    assert (mirror / MARKER).is_file()
    for rule in site.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("public", "api") and not rule.arguments:
            assert (mirror / file_for(rule.rule)).is_file(), rule.rule
    assert (mirror / "api/v2/summary.json").is_file()
    incident_ids = [path for path in plan(site).paths if path.startswith("/incidents/")]
    assert len(incident_ids) == 3
    assert (mirror / "history/page/2/index.html").is_file()
    assert (mirror / "static/css/public.css").is_file()
    assert result.files >= len(plan(site).paths)


def test_mirror_files_equal_what_the_app_serves(site, tmp_path, monkeypatch):
    """Is every file byte for byte the response the app gives for its URL?"""
    monkeypatch.setattr(pages, "HISTORY_PER_PAGE", 2)
    mirror = tmp_path / "mirror"
    publish(site, mirror)
    db.session.expire_all()
    for path in plan(site).paths:
        assert (mirror / file_for(path)).read_bytes() == _served(site, path), path
    for page in (1, 2):
        written = (mirror / file_for("/history", page)).read_bytes()
        assert written == _served(site, f"/history?page={page}")
    assert not (mirror / file_for("/history", 3)).exists()


def test_republishing_swaps_the_mirror_and_leaves_nothing_behind(site, tmp_path):
    """Does a second publish replace the mirror, with no temporary directories left over?"""
    mirror = tmp_path / "mirror"
    publish(site, mirror)
    components.set_status(components.list_components()[1], "major_outage", actor="test")
    publish(site, mirror)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mirror"]
    assert b"major_outage" in (mirror / "api/v2/components.json").read_bytes()


def test_publish_refuses_to_replace_a_directory_it_did_not_write(site, tmp_path):
    """Will publish overwrite a directory that is not a Herald mirror?"""
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(PublishError, match="not a Herald mirror"):
        publish(site, precious)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_the_worker_job_publishes_after_a_change_only(site, tmp_path):
    """Does the worker's mirror job publish once per change, and not when nothing moved?"""
    mirror = tmp_path / "mirror"
    job = MirrorJob(site, mirror)
    assert job.run_once() is not None
    assert job.run_once() is None
    components.set_status(components.list_components()[0], "major_outage", actor="test")
    assert job.run_once() is not None
    assert b"major_outage" in (mirror / "api/v2/summary.json").read_bytes()


def test_the_cli_publishes_and_says_where(site, tmp_path):
    """Does `flask publish DIR` report what it wrote, and explain a missing directory?"""
    runner = site.test_cli_runner()
    result = runner.invoke(args=["publish", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Published" in result.output and str(tmp_path / "out") in result.output
    assert Path(tmp_path / "out" / "index.html").is_file()
    missing = runner.invoke(args=["publish"])
    assert missing.exit_code != 0
    assert "HERALD_PUBLISH_DIR" in missing.output
