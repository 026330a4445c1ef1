"""The audit log as a CSV download: what it holds, who may take it, and what it never holds."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Role
from app.services import api_tokens, audit, audit_log, subscription_manage, users
from tests.subscriber_fixtures import at
from tests.subscriber_records import HOOK, signed_up

EXPORT = "/admin/audit/export.csv"
HEADER = ["time", "actor", "action", "target type", "target id", "details"]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8")[1:], newline="")))
    assert rows[0] == HEADER
    return rows[1:]


def _record(count: int, action="component.update", actor="system") -> None:
    for n in range(count):
        audit.record(actor, action, "component", n, n=n)
    db.session.commit()


def test_the_download_holds_what_the_filters_show(as_admin, as_manager):
    """Does the CSV hold the filtered events, newest first, with UTC times and JSON details?"""
    _record(3)
    audit.record("manager@example.com", "incident.open", "incident", 7, name="Café down")
    db.session.commit()

    components = _csv(as_admin.get(EXPORT + "?action=component"))
    assert [row[2] for row in components] == ["component.update"] * 3
    assert [json.loads(row[5]) for row in components] == [{"n": 2}, {"n": 1}, {"n": 0}]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[0]) for row in components)
    assert components[0][1:5] == ["system", "component.update", "component", "2"]

    by_manager = _csv(as_admin.get(EXPORT + "?actor=Manager@Example.com&action=incident"))
    assert len(by_manager) == 1
    assert json.loads(by_manager[0][5]) == {"name": "Café down"}

    everything = _csv(as_admin.get(EXPORT))
    actions = [row[2] for row in everything]
    assert actions[0] == "audit.export"  # the download itself is in it
    assert {"component.update", "incident.open", "user.login"} <= set(actions)


def test_the_page_links_to_the_download_of_its_filters(as_admin):
    """Does the page offer a Download CSV link that keeps my filters?"""
    html = as_admin.get("/admin/audit?action=user&actor=admin@example.com").get_data(as_text=True)
    assert "Download CSV" in html
    assert 'href="/admin/audit/export.csv?action=user&amp;actor=admin@example.com"' in html


def test_a_long_log_comes_out_whole(as_admin):
    """With more events than one batch, is every event there exactly once?"""
    _record(audit_log.EXPORT_BATCH * 2 + 3)
    rows = _csv(as_admin.get(EXPORT + "?action=component"))
    assert sorted(json.loads(row[5])["n"] for row in rows) == list(
        range(audit_log.EXPORT_BATCH * 2 + 3)
    )


def test_cells_cannot_run_as_spreadsheet_formulas(as_admin):
    """If a value starts like a formula, does the spreadsheet get it as plain text?"""
    for label in ['=HYPERLINK("http://evil")', "+1", "@SUM(A1)", "\tx", "\rx"]:
        audit.record(label, "component.update", "component", "-2")
    db.session.commit()
    rows = _csv(as_admin.get(EXPORT + "?action=component"))
    assert {row[1] for row in rows} == {
        '\'=HYPERLINK("http://evil")',
        "'+1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
    }
    assert {row[4] for row in rows} == {"'-2"}


def test_only_admins_may_download(app, as_manager):
    """Is the download refused to a manager, as the page is, and sends strangers to log in?"""
    assert as_manager.get("/admin/audit").status_code == 403
    assert as_manager.get(EXPORT).status_code == 403
    anonymous = app.test_client().get(EXPORT)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/admin/login")
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.export")
    ).all()


def test_bad_filters_are_refused_before_anything_is_recorded(as_admin):
    """Is a made-up kind of action or an absurd actor a 400 with a reason, not a broken file?"""
    for query in ["?action=<script>", "?action=%00", "?actor=" + "x" * 300, "?actor=a%01b"]:
        response = as_admin.get(EXPORT + query)
        assert response.status_code == 400, query
        assert response.mimetype != "text/csv"
    assert "Unknown kind of action" in as_admin.get(EXPORT + "?action=nope").get_data(as_text=True)
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.export")
    ).all()


def test_the_download_is_recorded_with_its_filters(as_admin):
    """Does the log say who took a copy, and of which part?"""
    _csv(as_admin.get(EXPORT + "?action=user&actor=admin@example.com"))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.export")).one()
    assert event.actor_label == "admin@example.com"
    assert event.details == {"kind_of_action": "user", "by_actor": "admin@example.com"}


def test_no_secret_ever_reaches_the_log(app, as_admin, admin_user, make_component):
    """After tokens, passwords and webhook secrets are made and used, does the log name none?"""
    make_component("API")
    token, token_secret = api_tokens.create_token(name="ci", role=Role.ADMIN, actor=admin_user)
    written = app.test_client().post(
        "/api/v1/components",
        json={"name": "Search"},
        headers={"Authorization": f"Bearer {token_secret}"},
    )
    assert written.status_code in (200, 201)
    api_tokens.revoke_token(token, actor=admin_user)
    password = "correct horse battery staple 42"
    new_user = users.create_user(email="new@example.com", password=password, actor=admin_user)
    new_password = "another long passphrase 4711"
    users.set_password(new_user, new_password, actor=admin_user)
    hook = signed_up(HOOK, "webhook")
    first_secret = hook.signing_secret
    second_secret = subscription_manage.new_signing_secret(hook, now=at(2))
    db.session.commit()
    secrets = [token_secret, password, new_password, first_secret, second_secret]
    assert all(secrets)

    body = as_admin.get(EXPORT).get_data(as_text=True)
    stored = " ".join(
        json.dumps([e.actor_label, e.action, e.target_id, e.details], ensure_ascii=False)
        for e in db.session.scalars(select(AuditEvent))
    )
    assert {"token.create", "token.revoke", "user.password"} <= set(
        db.session.scalars(select(AuditEvent.action))
    )
    assert token.label in body  # the API write is there, named by the token's label only
    for secret in secrets:
        assert secret not in body and secret not in stored
        assert api_tokens.digest(secret) not in body and api_tokens.digest(secret) not in stored
