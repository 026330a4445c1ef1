"""Are cache keys canonical: one render per page a visitor can tell apart, whatever the spelling?"""

from __future__ import annotations

import pytest
from flask import request, request_started
from werkzeug.test import Client

from app.cache import public_cached, state
from tests.integration.cache.conftest import counting_renders
from tests.integration.test_cache_fast_path import fast_path


@pytest.fixture(autouse=True)
def nothing_cached(app):
    state(app).store.clear()
    fast_path(app).forget()


def ran_flask(app, send):
    """`send()`'s response, and whether Flask itself (not the fast path) answered it."""
    calls = []
    with request_started.connected_to(lambda sender, **extra: calls.append(1), app):
        response = send()
    return response, bool(calls)


@pytest.mark.parametrize("path", ["/history", "/history?page=01", "/history?page=001&_=9"])
def test_spellings_of_page_one_share_its_render(app, client, path):
    """Do `/history`, `?page=1`, `?page=01` and cache busters all cost one render, not one each?"""
    first = client.get("/history?page=1")
    with counting_renders(app) as rendered:
        again = client.get(path)
    assert again.status_code == 200
    assert rendered == []
    assert again.get_data() == first.get_data()


def test_a_hostile_run_of_page_spellings_renders_once(app, client):
    """Do two hundred spellings of page one (`?page=0001`, …) render the page once in all?"""
    with counting_renders(app) as rendered:
        for zeros in range(1, 201):
            assert client.get(f"/history?page={'0' * zeros}1").status_code == 200
    assert rendered.count("public/history.html") == 1


def test_repeat_spellings_are_answered_by_the_fast_path(app):
    """Once `/history` is cached, is `?page=01` answered in front of Flask, with the same bytes,
    while a bad page number still gets Flask's clear 400?"""
    client = app.test_client()
    page = [client.get("/history") for _ in range(2)][-1]
    again, by_flask = ran_flask(app, lambda: client.get("/history?page=01"))
    assert not by_flask
    assert again.get_data() == page.get_data()
    assert again.headers["ETag"] == page.headers["ETag"]
    refused = client.get("/history?page=x")
    assert refused.status_code == 400 and b"page number" in refused.get_data()


def test_unknown_themes_share_the_plain_frame(app, client):
    """Do `?theme=x`, `?theme=light` and no theme share one render of the embedded card?"""
    plain = client.get("/embed/frame")
    with counting_renders(app) as rendered:
        for theme in ("x", "neon", "", "LIGHT", "light"):
            assert client.get(f"/embed/frame?theme={theme}").get_data() == plain.get_data()
    assert rendered == []
    with counting_renders(app) as rendered:
        dark = client.get("/embed/frame?theme=dark")
    assert rendered == ["embed/frame.html"]
    assert b'class="theme-dark"' in dark.get_data()


def test_made_up_badge_labels_cannot_fill_the_cache(app, client):
    """After more made-up labels than the cache keeps, is each further one still drawn right
    but rendered on every request, while the labels kept before stay cached?"""
    for n in range(100):
        assert f"label-{n}".encode() in client.get(f"/badge.svg?label=label-{n}").get_data()
    with counting_renders(app) as rendered:
        early = client.get("/badge.svg?label=label-1")
    assert rendered == []
    assert b"label-1" in early.get_data()
    with counting_renders(app) as rendered:
        late = client.get("/badge.svg?label=label-99")
    assert rendered == ["embed/badge.svg"]
    assert b"label-99" in late.get_data()


def test_a_cached_view_sees_only_the_arguments_it_declares(other_app):
    """Can a cached view read anything of the query string besides its declared, parsed
    arguments (which would make two requests with one key render differently)?"""
    from app.cache import BadArgument

    site = other_app()

    def number(raw: str | None) -> int:
        if raw is not None and not raw.isdigit():
            raise BadArgument("n must be a number.")
        return int(raw or 0)

    @site.route("/echo")
    @public_cached(args={"n": number})
    def echo(n: int):
        return f"n={n!r} args={sorted(request.args.items())!r}"

    client = Client(site)
    body = client.get("/echo?n=007&utm_source=x").get_data(as_text=True)
    assert body == "n=7 args=[('n', '7')]"
    assert client.get("/echo?n=7&other=y").get_data(as_text=True) == body
    refused = client.get("/echo?n=seven")
    assert refused.status_code == 400 and b"n must be a number" in refused.get_data()
