"""The suppression list as admins and managers use it, and what a visitor signing up a
suppressed address sees (the same as anyone)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Subscriber, SubscriberState, Suppression
from tests.subscriber_fixtures import post_subscribe, queued, subscriber

PAGE = "/admin/subscribers/suppressed"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _remove(as_admin, who: Subscriber, reason: str) -> None:
    response = as_admin.post(f"/admin/subscribers/{who.id}/remove", data={"reason": reason})
    assert response.status_code == 302
    assert "suppressed" in _text(as_admin.get(response.headers["Location"]))  # the flash


def test_an_admin_removes_finds_and_lifts_a_suppression(as_admin, people):
    """When I remove a subscriber who complained, is the address on the suppressed page with
    that reason, found when I check it, and can I lift it (audited)?"""
    ada = people[0]
    _remove(as_admin, ada, "complained")
    html = _text(as_admin.get(PAGE))
    assert "1 removed address" in html and "Complained (reported as spam)" in html
    assert "ada@example.com" not in html  # only its fingerprint is kept
    check = _text(as_admin.get(PAGE, query_string={"address": "Ada@Example.com"}))
    assert "is suppressed: complained" in check
    assert "is not on the list" in _text(as_admin.get(PAGE, query_string={"address": "x@y.org"}))

    row = db.session.scalar(select(Suppression))
    response = as_admin.post(f"{PAGE}/{row.id}/lift")
    assert response.status_code == 302
    assert "Lifted" in _text(as_admin.get(response.headers["Location"]))
    assert db.session.scalar(select(func.count(Suppression.id))) == 0
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "subscriber.unsuppress")
    ).details == {"kind": "email", "reason": "complained"}


def test_a_made_up_reason_or_address_is_a_clear_400(as_admin, people):
    """Is a removal with an unknown reason refused with the reason shown, nothing erased, and a
    malformed address to check a 400 that says why?"""
    ada = people[0]
    response = as_admin.post(f"/admin/subscribers/{ada.id}/remove", data={"reason": "bored"})
    assert response.status_code == 400 and "Choose why" in _text(response)
    assert subscriber("ada@example.com") is not None
    response = as_admin.get(PAGE, query_string={"address": "not an address"})
    assert response.status_code == 400 and "flash-error" in _text(response)
    assert as_admin.post(f"{PAGE}/99999/lift").status_code == 404


def test_a_manager_sees_the_list_but_cannot_lift(as_admin, as_manager, people):
    """Can a manager see what is suppressed, without a lift button, and is a lift refused?"""
    _remove(as_admin, people[0], "removed")
    html = _text(as_manager.get(PAGE))
    assert "Removed on request" in html and "/lift" not in html
    row = db.session.scalar(select(Suppression))
    assert as_manager.post(f"{PAGE}/{row.id}/lift").status_code == 403
    assert db.session.scalar(select(func.count(Suppression.id))) == 1


def test_quarantined_subscribers_are_listed(as_admin, people):
    """Are subscribers quarantined for hard bounces on the suppressed page, linked to their
    page where they can be reinstated?"""
    ada = people[0]
    ada.state = SubscriberState.QUARANTINED
    ada.last_error = "550 no such user"
    db.session.commit()
    html = _text(as_admin.get(PAGE))
    assert "1 quarantined subscriber" in html and "550 no such user" in html
    assert f'href="/admin/subscribers/{ada.id}"' in html


def test_signing_up_a_suppressed_address_answers_as_for_anyone(app, as_admin, people):
    """Does a visitor signing up a removed address get exactly the answer a new address gets,
    while nothing is stored or mailed?"""
    _remove(as_admin, people[0], "removed")
    before = len(queued())
    answers = []
    for address in ("ada@example.com", "zed@example.com"):
        visitor = app.test_client()
        response = post_subscribe(visitor, address)
        sent = visitor.get(response.headers["Location"])
        html = re.sub(r'name="csrf_token" value="[^"]+"', "", _text(sent))
        answers.append((response.status_code, sent.status_code, html.replace(address, "X")))
    assert answers[0] == answers[1]
    assert subscriber("ada@example.com") is None
    assert [n.subscriber_id for n in queued()[before:]] == [subscriber("zed@example.com").id]
