"""Is the public side cached, compressed, conditional, and never stale after a change?"""

from __future__ import annotations

import gzip
import threading

import brotli
import pytest
from flask import template_rendered

from app.cache import state, version
from app.cache.push import PushedClock
from app.cache.version import FileToken
from app.extensions import db
from app.services import components
from tests.conftest import REDIS_TEST_URL

# theme.css is addressed as /theme.css?v=<accent colour> and the favicon as
# /favicon.ico?v=<version>, both marked immutable: versioned by their URL (`?v=` from the
# page), not by the page version.
NOT_VERSIONED = {"public.theme_css", "public.favicon"}


def _public_paths(app) -> list[str]:
    """Every GET route of the public and api blueprints that takes no URL argument."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("public", "api")
        and "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint not in NOT_VERSIONED
    )


def _component_status(client, name: str = "API") -> str:
    summary = client.get("/api/v2/summary.json").get_json()
    return next(c["status"] for c in summary["components"] if c["name"] == name)


def _set_status(app, component_id: int, status: str) -> None:
    """Change a component through `app`, as an admin request on that host would."""
    with app.app_context():
        components.set_status(components.get_component(component_id), status, actor="test")
        db.session.remove()
    # The test's own session (which the `client` requests share) must not keep
    # the old row nor its read snapshot; real requests each get a fresh session.
    db.session.rollback()


def test_every_public_response_carries_an_etag_and_cache_control(client):
    """Does every public page, feed, badge and API document say how to cache it?"""
    paths = _public_paths(client.application)
    assert "/" in paths and "/api/v2/summary.json" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["ETag"].startswith('"'), path
        control = response.headers["Cache-Control"]
        assert control.startswith("public, max-age="), path
        assert "stale-while-revalidate=" in control and "stale-if-error=" in control, path
        assert "Accept-Encoding" in response.headers["Vary"], path


def test_conditional_get_is_a_304_without_rendering(client):
    """Does a client holding the current ETag get a bodiless 304, with no template rendered?"""
    first = client.get("/")
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, client.application):
        again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "max-age=" in again.headers["Cache-Control"]
    assert rendered == []


def test_a_stale_etag_gets_the_full_page(client):
    """Does an old ETag get the page again rather than a 304?"""
    response = client.get("/", headers={"If-None-Match": '"0-0.0"'})
    assert response.status_code == 200
    assert response.get_data()


def test_status_change_shows_on_the_next_request(client, make_component):
    """After a status change, does the very next GET show it, under a new ETag?"""
    component = make_component("API")
    before = client.get("/api/v2/summary.json")
    page_before = client.get("/")
    _set_status(client.application, component.id, "major_outage")
    after = client.get("/api/v2/summary.json")
    assert _component_status(client) == "major_outage"
    assert after.headers["ETag"] != before.headers["ETag"]
    page_after = client.get("/", headers={"If-None-Match": page_before.headers["ETag"]})
    assert page_after.status_code == 200
    assert "Major Outage" in page_after.get_data(as_text=True)


def test_processes_sharing_a_database_see_a_change_at_once(database_url, other_app, make_component):
    """With two gunicorn workers and no Redis, is a change made in one seen by the other
    on its next request — through the token file beside SQLite, and on PostgreSQL
    through the host board that a commit marks stale?"""
    first = other_app(CACHE_VERSION_CHECK="auto")
    second = other_app(CACHE_VERSION_CHECK="auto")
    clock = state(second).clock
    if database_url.startswith("sqlite"):
        assert isinstance(clock.token, FileToken)
    else:
        assert isinstance(clock, PushedClock)
    component = make_component("API")
    reader = second.test_client()
    assert _component_status(reader) == "operational"
    assert _component_status(reader) == "operational"  # answered from the memo on SQLite
    _set_status(first, component.id, "partial_outage")
    assert _component_status(reader) == "partial_outage"


def _redis_app(other_app, prefix: str):
    return other_app(REDIS_URL=REDIS_TEST_URL, CACHE_KEY_PREFIX=prefix, CACHE_VERSION_CHECK="auto")


def test_with_redis_a_change_is_fresh_and_conditional_gets_still_work(
    other_app, redis_prefix, make_component
):
    """With REDIS_URL set, are 304s and fresh pages after a change still right?"""
    served = _redis_app(other_app, redis_prefix)
    client = served.test_client()
    component = make_component("API")
    first = client.get("/api/v2/summary.json")
    assert (
        client.get(
            "/api/v2/summary.json", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    _set_status(served, component.id, "degraded_performance")
    after = client.get("/api/v2/summary.json", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert _component_status(client) == "degraded_performance"


def test_two_hosts_sharing_redis_see_each_others_changes_at_once(
    other_app, redis_prefix, make_component
):
    """Is a change made through host A shown by host B on its very next request?"""
    host_a = _redis_app(other_app, redis_prefix)
    host_b = _redis_app(other_app, redis_prefix)
    component = make_component("API")
    reader = host_b.test_client()
    assert _component_status(reader) == "operational"
    assert _component_status(reader) == "operational"
    _set_status(host_a, component.id, "major_outage")
    assert _component_status(reader) == "major_outage"
    # And what A renders, B can serve from Redis under the same ETag.
    etag_a = host_a.test_client().get("/").headers["ETag"]
    assert host_b.test_client().get("/").headers["ETag"] == etag_a


def test_redis_down_falls_back_to_the_database(other_app, make_component):
    """With Redis unreachable, are pages still served, and still fresh after a change?"""
    served = other_app(REDIS_URL="redis://127.0.0.1:5699/0", CACHE_VERSION_CHECK="auto")
    client = served.test_client()
    component = make_component("API")
    assert _component_status(client) == "operational"
    _set_status(served, component.id, "major_outage")
    assert _component_status(client) == "major_outage"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/api/v2/summary.json", "/history.atom"])
def test_gzip_and_brotli_decode_to_the_same_bytes(client, make_component, path):
    """Do gzip and br responses decode to exactly the uncompressed body, under their own ETags?"""
    make_component("API")
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    brotlied = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert brotlied.headers["Content-Encoding"] == "br"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert brotli.decompress(brotlied.get_data()) == plain.get_data()
    etags = {r.headers["ETag"] for r in (plain, zipped, brotlied)}
    assert len(etags) == 3
    for response in (plain, zipped, brotlied):
        assert "Accept-Encoding" in response.headers["Vary"]


def test_a_refused_encoding_is_not_sent(client):
    """Does `br;q=0` keep brotli away, and `identity` only get plain bytes?"""
    response = client.get("/", headers={"Accept-Encoding": "br;q=0, gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert (
        "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "identity"}).headers
    )


def test_a_compressed_etag_revalidates_to_a_304(client):
    """Does a cache holding the gzip variant get a 304 naming the ETag it holds?"""
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    again = client.get(
        "/", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.headers["ETag"] == zipped.headers["ETag"]


def test_cached_responses_never_carry_a_cookie(app, as_admin):
    """Can a logged-in manager's session cookie leak into the shared public cache?"""
    state(app).store.clear()
    as_admin.get("/")
    anonymous = app.test_client().get("/")
    assert "Set-Cookie" not in anonymous.headers


def test_a_logged_in_managers_cache_miss_never_carries_their_cookie(app, as_admin):
    """When a logged-in admin whose browser changed (Flask-Login then rewrites the session)
    is the one whose request renders `/`, is the shared, public response free of cookies?"""
    for headers in ({}, {"User-Agent": "a browser after its update"}):
        state(app).store.clear()
        page = as_admin.get("/", headers=headers)
        assert page.headers["Cache-Control"].startswith("public")
        assert "Set-Cookie" not in page.headers
        assert "Cookie" not in page.headers.get("Vary", "")
    # The session itself survives: the admin side still knows them.
    assert as_admin.get("/admin/").status_code == 200


def test_while_the_clock_moves_visitors_get_the_last_render_instead_of_waiting(
    app, client, monkeypatch
):
    """When only the five-minute bucket moved and a render is under way, is the
    previous render (same page version) served at once, under its own ETag?"""
    monkeypatch.setattr(version, "clock_bucket", lambda now=None: 1000)
    earlier = client.get("/")
    monkeypatch.setattr(version, "clock_bucket", lambda now=None: 1001)
    busy = threading.Lock()
    busy.acquire()  # another thread is rendering the new bucket
    cache_state = state(app)
    cache_state.render_lock = lambda key: busy
    try:
        meanwhile = client.get("/")
    finally:
        del cache_state.render_lock
        busy.release()
    assert meanwhile.status_code == 200
    assert meanwhile.headers["ETag"] == earlier.headers["ETag"]
    assert meanwhile.get_data() == earlier.get_data()
    assert client.get("/").headers["ETag"] != earlier.headers["ETag"]


def test_cache_busting_query_strings_share_one_render(client):
    """Does `/?_=<random>` (monitoring tools, attackers) reuse the render instead of
    costing one each, while `?page=` on /history still picks its page?"""
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    client.get("/")
    with template_rendered.connected_to(record, client.application):
        for buster in range(5):
            assert client.get(f"/?_={buster}").status_code == 200
    assert rendered == []
    client.get("/history?page=1")
    first = client.get("/history?page=1&utm_source=x").get_data()
    assert first == client.get("/history?page=1").get_data()
    assert b"Page 1" in first or b"No past incidents" in first
