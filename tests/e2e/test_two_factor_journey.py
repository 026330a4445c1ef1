"""Two-factor login in Chromium: set it up from the QR page, log out, log in with a code
from the app — and every page on the way accessible (axe) and valid HTML (Nu)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.helpers import axe_check, create_user, describe_violations, login, validate_html
from tests.two_factor_helpers import code

pytestmark = pytest.mark.browser

EMAIL = "two-factor-journey@example.com"


def _check(page, name: str, documents: dict[str, str], found: dict[str, str]) -> None:
    """axe in both colour schemes, and the HTML kept for one Nu run at the end."""
    page.wait_for_load_state("load")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        if violations := axe_check(page):
            found[f"{name} ({scheme})"] = describe_violations(violations)
    page.emulate_media(color_scheme="light")
    documents[name] = page.content()


def test_set_up_log_out_and_log_in_with_a_code(new_page, live_server):
    """Can I scan the QR code (or type the key), turn two-factor on, save my recovery codes,
    and log in again with my password and the code my app shows?"""
    live_server.reset()
    create_user(live_server.app, EMAIL, "manager")
    page = new_page(viewport={"width": 1280, "height": 900})
    documents, found = {}, {}
    login(page, live_server.url, EMAIL)

    page.goto(f"{live_server.url}/admin/account")
    page.get_by_role("link", name="Set up two-factor login").click()
    qr = page.get_by_role("img", name=re.compile("QR code of your two-factor key"))
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 150 and box["height"] >= 150
    _check(page, "two-factor-setup", documents, found)
    secret = page.locator("code.totp-key").inner_text().replace(" ", "")

    page.get_by_label("Code from the app").fill(code(secret, -1))
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    recovery = page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    with page.expect_download() as saving:
        page.get_by_role("link", name="Download them as a text file").click()
    saved = Path(saving.value.path()).read_text()
    assert all(code_ in saved for code_ in recovery) and EMAIL in saved
    _check(page, "two-factor-recovery-codes", documents, found)

    page.get_by_role("button", name=re.compile("^Log out")).click()
    page.fill('input[name="email"]', EMAIL)
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/login/code$"))
    expect(page.get_by_label("Authentication code")).to_be_focused()
    _check(page, "login-code", documents, found)

    page.get_by_label("Authentication code").fill(
        "000000" if code(secret) != "000000" else "111111"
    )
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right.").first).to_be_visible()
    _check(page, "login-code-refused", documents, found)

    page.get_by_role("link", name="Use a recovery code").click()
    _check(page, "login-recovery", documents, found)
    page.get_by_role("link", name="Enter a code from the app").click()

    page.get_by_label("Authentication code").fill(code(secret))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/account")
    expect(page.get_by_text("10 of 10 recovery codes left.")).to_be_visible()
    page.get_by_text("Turn off two-factor login").first.click()
    _check(page, "account-two-factor-on", documents, found)

    assert not found, "\n".join(f"{name}:\n{text}" for name, text in found.items())
    invalid = {name: errors for name, errors in validate_html(documents).items() if errors}
    assert not invalid, f"Nu checker errors: {invalid}"
