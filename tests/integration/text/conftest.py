"""Fixtures of the text-rule tests."""

from __future__ import annotations

import pytest

from tests.integration.text.helpers import build_site


@pytest.fixture
def site(app):
    """The app with something in every text column (see build_site)."""
    build_site()
    return app
