"""A followed page on 127.0.0.1, and the test-only setting that lets Herald fetch it."""

from __future__ import annotations

import pytest

from tests.upstream_server import UpstreamPage


@pytest.fixture
def upstream_page(app):
    settings = {"WEBHOOK_ALLOW_LOOPBACK": True, "UPSTREAM_TIMEOUT_SECONDS": 1.0}
    before = {name: app.config.get(name) for name in settings}
    app.config.update(settings)
    page = UpstreamPage()
    yield page
    page.close()
    for name, value in before.items():
        if value is None:
            app.config.pop(name, None)
        else:
            app.config[name] = value


@pytest.fixture
def follow(upstream_page):
    """Make a component follow the page's component `upstream` (by name), as an admin does."""
    from app.services import upstream

    def make(component, upstream_name="Codespaces", vendor="GitHub"):
        read = upstream.read_page(upstream_page.url)
        chosen = next(c for c in read.summary.components if c.name == upstream_name)
        return upstream.follow(
            component,
            url=upstream_page.url,
            upstream_component=chosen.id,
            vendor=vendor,
            summary=read.summary,
            etag=read.etag,
            actor="test",
        )

    return make
