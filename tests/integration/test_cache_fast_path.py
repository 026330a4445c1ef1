"""Are repeat cache hits answered in front of Flask, byte for byte as Flask answers them?"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import request_started
from werkzeug.test import Client

from app.cache import FastPath, state, version
from app.extensions import db
from app.services import components
from tests.conftest import REDIS_TEST_URL

PATHS = ["/", "/api/v2/summary.json", "/embed/frame", "/badge.svg"]
ENCODINGS = {"identity": None, "gzip": "gzip", "br": "gzip, deflate, br"}


def fast_path(app) -> FastPath:
    found = app.wsgi_app
    while not isinstance(found, FastPath):  # inside the request observer (app/observability)
        found = found.wsgi_app
    return found


@pytest.fixture(autouse=True)
def nothing_learned_yet(app):
    """Each test starts with a fast path that has seen no response (the app is shared)."""
    fast_path(app).forget()


class FlaskCalls:
    """Counts the requests that ran Flask's request machinery."""

    def __init__(self, app):
        self.app = app
        self.count = 0

    def _started(self, sender, **extra):
        self.count += 1

    @contextmanager
    def watching(self):
        with request_started.connected_to(self._started, self.app):
            yield self


def ran_flask(app, send):
    """`send()`'s response, and whether Flask itself answered it."""
    with FlaskCalls(app).watching() as calls:
        response = send()
    return response, calls.count > 0


def flask_only(app) -> Client:
    """A client of the app behind the fast path: always Flask's own answer."""
    return Client(fast_path(app).wsgi_app)


def _headers(response) -> list:
    # X-Request-Id is new on every response by design (app/observability/requests.py).
    return [(name, value) for name, value in response.headers.items() if name != "X-Request-Id"]


def assert_identical(one, other):
    assert one.status == other.status
    assert _headers(one) == _headers(other)
    assert one.get_data() == other.get_data()


def _set_status(app, component_id: int, status: str) -> None:
    with app.app_context():
        components.set_status(components.get_component(component_id), status, actor="test")
        db.session.remove()
    db.session.rollback()  # this session's read snapshot predates the change


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("path", PATHS)
def test_a_hit_has_exactly_the_headers_and_body_flask_sends(app, make_component, path, encoding):
    """Does a repeat request skip Flask yet get the same status, every header (in order)
    and the same bytes as Flask gives, in each encoding?"""
    make_component("API")
    headers = {"Accept-Encoding": ENCODINGS[encoding]} if ENCODINGS[encoding] else {}
    flask = flask_only(app)
    flask.get(path, headers=headers)  # rendered and stored
    client = app.test_client()
    learned, learned_by_flask = ran_flask(app, lambda: client.get(path, headers=headers))
    fast, fast_by_flask = ran_flask(app, lambda: client.get(path, headers=headers))
    assert learned_by_flask and not fast_by_flask
    assert fast.status_code == 200
    if encoding != "identity":
        assert fast.headers["Content-Encoding"] == encoding
    assert_identical(fast, learned)
    assert_identical(fast, flask.get(path, headers=headers))


def test_the_frame_and_the_api_keep_their_own_headers(app):
    """Does the fast path keep the frame's `frame-ancestors *` and the API's CORS headers,
    and the page its own CSP without them?"""
    client = app.test_client()
    for path in ("/", "/embed/frame", "/api/v2/summary.json"):
        client.get(path)
    page, frame, api = (client.get(path) for path in ("/", "/embed/frame", "/api/v2/summary.json"))
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in frame.headers["Content-Security-Policy"]
    assert api.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in page.headers
    for response in (page, frame, api):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_https_answers_carry_hsts_and_plain_ones_do_not(app):
    """Is HSTS on the fast path's https answers exactly when Flask would send it?"""
    client = app.test_client()
    for base in ("http://localhost", "https://localhost"):
        client.get("/badge.svg", base_url=base)
    plain, plain_by_flask = ran_flask(app, lambda: client.get("/badge.svg"))
    secure, secure_by_flask = ran_flask(
        app, lambda: client.get("/badge.svg", base_url="https://localhost")
    )
    assert not plain_by_flask and not secure_by_flask
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_conditional_get_is_a_304_like_flasks(app):
    """Does a client holding the current ETag (plain or gzip) get Flask's very 304?"""
    client = app.test_client()
    for accept in (None, "gzip"):
        headers = {"Accept-Encoding": accept} if accept else {}
        held = client.get("/", headers=headers).headers["ETag"]
        headers["If-None-Match"] = held
        client.get("/", headers=headers)
        again, by_flask = ran_flask(app, lambda headers=headers: client.get("/", headers=headers))
        assert not by_flask
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == held
        assert_identical(again, flask_only(app).get("/", headers=headers))


def test_head_gives_the_headers_without_the_body(app):
    """Does HEAD through the fast path give GET's headers, Content-Length included, and no body?"""
    client = app.test_client()
    get = client.get("/api/v2/summary.json")
    client.head("/api/v2/summary.json")
    head, by_flask = ran_flask(app, lambda: client.head("/api/v2/summary.json"))
    assert not by_flask
    assert head.status_code == 200 and head.get_data() == b""
    assert _headers(head) == _headers(get)
    assert_identical(head, flask_only(app).head("/api/v2/summary.json"))


def test_a_status_change_shows_on_the_very_next_request(app, make_component):
    """After a change, is the next request a fresh page (not the fast path's old one),
    and an old ETag no longer a 304?"""
    component = make_component("API")
    client = app.test_client()
    for _ in range(2):
        before = client.get("/api/v2/summary.json")
    _set_status(app, component.id, "major_outage")
    after = client.get("/api/v2/summary.json", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json()["components"][0]["status"] == "major_outage"
    again, by_flask = ran_flask(app, lambda: client.get("/api/v2/summary.json"))
    assert not by_flask
    assert again.get_json()["components"][0]["status"] == "major_outage"


def test_another_worker_sees_a_change_at_once(database_url, other_app, make_component):
    """With two workers (version token on SQLite, a read on PostgreSQL), does a change made
    by one show on the other's very next request, which it had been answering fast?"""
    writer = other_app(CACHE_VERSION_CHECK="auto")
    reader = other_app(CACHE_VERSION_CHECK="auto")
    component = make_component("API")
    client = reader.test_client()
    for _ in range(2):
        client.get("/api/v2/summary.json")
    _, by_flask = ran_flask(reader, lambda: client.get("/api/v2/summary.json"))
    assert not by_flask
    _set_status(writer, component.id, "partial_outage")
    after = client.get("/api/v2/summary.json")
    assert after.get_json()["components"][0]["status"] == "partial_outage"


def test_when_the_clock_bucket_moves_the_page_is_rendered_again(app, monkeypatch):
    """Is the previous five-minute bucket's page never served fast once the clock moved?"""
    monkeypatch.setattr(version, "clock_bucket", lambda now=None: 1000)
    client = app.test_client()
    earlier = [client.get("/") for _ in range(2)][-1]
    monkeypatch.setattr(version, "clock_bucket", lambda now=None: 1001)
    later, by_flask = ran_flask(app, lambda: client.get("/"))
    assert by_flask
    assert later.headers["ETag"] != earlier.headers["ETag"]


def test_admin_pages_and_posts_always_run_flask(app, as_admin):
    """Are admin pages, POSTs and visitors with a cookie always answered by Flask itself?"""
    anonymous = app.test_client()
    for _ in range(2):
        login, by_flask = ran_flask(app, lambda: anonymous.get("/admin/login"))
        assert by_flask and login.headers["Cache-Control"] == "no-store"
    for _ in range(2):
        _, by_flask = ran_flask(app, lambda: as_admin.get("/admin/"))
        assert by_flask
        _, by_flask = ran_flask(app, lambda: as_admin.get("/"))
        assert by_flask
        posted, by_flask = ran_flask(app, lambda: anonymous.post("/api/v2/summary.json"))
        assert by_flask and posted.status_code == 405
    assert not any("/admin" in place[4] for place in fast_path(app).places)


def test_query_arguments_the_view_ignores_share_the_entry(app):
    """Do cache busters (`/?_=…`) get the fast answer, while `?label=` on a badge,
    which the view reads, never gets another label's badge?"""
    client = app.test_client()
    page = [client.get("/") for _ in range(2)][-1]
    busted, by_flask = ran_flask(app, lambda: client.get("/?_=12345"))
    assert not by_flask and busted.get_data() == page.get_data()
    for _ in range(2):
        client.get("/badge.svg?label=alpha")
    beta, by_flask = ran_flask(app, lambda: client.get("/badge.svg?label=beta"))
    assert by_flask and b"beta" in beta.get_data() and b"alpha" not in beta.get_data()
    alpha, by_flask = ran_flask(app, lambda: client.get("/badge.svg?label=alpha&utm=x"))
    assert not by_flask and b"alpha" in alpha.get_data()


def test_odd_urls_get_flasks_answer(app):
    """A NUL byte, a trailing slash, a percent-encoded path: does each get what Flask says?"""
    client = app.test_client()
    for _ in range(2):
        plain = client.get("/badge.svg")
        held = client.get("/").headers["ETag"]
        client.get("/", headers={"If-None-Match": held})
        client.get("/history")
    for send in (
        lambda: client.get("/badge.svg?label=%00"),
        lambda: client.get("/?_=%00"),
        lambda: client.get("/?_=%00", headers={"If-None-Match": held}),
    ):
        nul, by_flask = ran_flask(app, send)
        assert by_flask and nul.status_code == 400
    slash = client.get("/history/")
    assert_identical(slash, flask_only(app).get("/history/"))
    encoded, by_flask = ran_flask(app, lambda: client.get("/%62adge.svg"))
    assert not by_flask
    assert_identical(encoded, plain)


def test_with_redis_a_render_from_another_host_is_served_fast(
    other_app, redis_prefix, make_component
):
    """With Redis, does host B answer fast, and fresh, with what host A rendered after a change?"""
    config = {"REDIS_URL": REDIS_TEST_URL, "CACHE_KEY_PREFIX": redis_prefix}
    host_a = other_app(CACHE_VERSION_CHECK="auto", **config)
    host_b = other_app(CACHE_VERSION_CHECK="auto", **config)
    component = make_component("API")
    reader = host_b.test_client()
    for _ in range(2):
        reader.get("/api/v2/summary.json")
    _set_status(host_a, component.id, "major_outage")
    rendered = host_a.test_client().get("/api/v2/summary.json")
    state(host_b).store.local.clear()  # B has only Redis to go on
    served, by_flask = ran_flask(host_b, lambda: reader.get("/api/v2/summary.json"))
    assert not by_flask
    assert served.get_json()["components"][0]["status"] == "major_outage"
    assert served.headers["ETag"] == rendered.headers["ETag"]
    assert served.get_data() == rendered.get_data()
