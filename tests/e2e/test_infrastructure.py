"""The browser-test tools themselves: do they see what they claim to see?"""

from __future__ import annotations

import urllib.request

import pytest

from tests.e2e.helpers import axe_check, validate_html

pytestmark = pytest.mark.browser

VALID = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ok</title></head>'
    "<body><main><h1>Fine</h1></main></body></html>"
)
INVALID = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad</title></head>'
    '<body><main><h1>Bad</h1><p><div id="x"></div><span id="x"></span></main></body></html>'
)


def test_live_server_answers(live_server):
    """Does the live server serve Herald over real HTTP?"""
    with urllib.request.urlopen(f"{live_server.url}/admin/login", timeout=10) as response:
        assert response.status == 200
        assert b"csrf_token" in response.read()


def test_axe_reports_a_missing_label(page):
    """Does axe_check flag an unlabelled input, and nothing on a clean page?"""
    page.set_content(VALID)
    assert axe_check(page) == []
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Form</title></head>'
        '<body><main><h1>Form</h1><input type="text"></main></body></html>'
    )
    assert "label" in [v["rule"] for v in axe_check(page)]


def test_nu_checker_validates_many_documents_at_once():
    """Does one Nu run tell a valid document from an invalid one, by name?"""
    errors = validate_html({"valid": VALID, "invalid": INVALID})
    assert errors["valid"] == []
    assert any("Duplicate ID" in e for e in errors["invalid"]), errors
