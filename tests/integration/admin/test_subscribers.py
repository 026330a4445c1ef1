"""The subscriber pages as admins and managers use them: find, inspect, export, import, remove."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import (
    AuditEvent,
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    Subscriber,
    SubscriberState,
)
from app.services import incidents
from tests.subscriber_fixtures import at, subscriber
from tests.subscriber_records import HOOK, delivery, notification, signed_up


def _text(response) -> str:
    return response.get_data(as_text=True)


def _count(model=Subscriber) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id))) or 0


def _pages(people) -> list[str]:
    ada = people[0]
    return [
        "/admin/subscribers",
        f"/admin/subscribers/{ada.id}",
        "/admin/deliveries/failed",
    ]


ADMIN_ONLY = ["/admin/subscribers/export.csv", "/admin/subscribers/import"]


def test_an_admin_sees_every_subscriber_page(as_admin, people):
    """Can an admin open the list, a subscriber, the failed deliveries, import and export?"""
    ada = people[0]
    for path in [*_pages(people), *ADMIN_ONLY, f"/admin/subscribers/{ada.id}/remove"]:
        assert as_admin.get(path).status_code == 200, path
    html = _text(as_admin.get("/admin/subscribers"))
    assert 'aria-current="page">Subscribers</a>' in html
    assert "ada@example.com" in html and "bob@example.org" in html
    assert "Import a list" in html and "Export as CSV" in html


def test_a_manager_may_look_and_retry_but_not_take_or_erase_data(as_manager, people):
    """Can a manager find subscribers and failed deliveries, but not export, import or remove?"""
    ada = people[0]
    for path in _pages(people):
        assert as_manager.get(path).status_code == 200, path
    html = _text(as_manager.get("/admin/subscribers"))
    assert ">Subscribers</a>" in html and "Export as CSV" not in html
    assert "Remove…" not in _text(as_manager.get(f"/admin/subscribers/{ada.id}"))
    for path in [*ADMIN_ONLY, f"/admin/subscribers/{ada.id}/remove"]:
        assert as_manager.get(path).status_code == 403, path
    assert as_manager.post(f"/admin/subscribers/{ada.id}/remove").status_code == 403
    assert subscriber("ada@example.com") is not None


def test_a_visitor_is_sent_to_login(app, people):
    """Does someone not logged in land on the login page instead of any subscriber data?"""
    client = app.test_client()
    for path in [*_pages(people), *ADMIN_ONLY]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login"), path


def test_search_and_filters(as_admin, people):
    """Can I find subscribers by part of the address, kind and state, and page through them?"""
    html = _text(as_admin.get("/admin/subscribers?q=ADA"))
    assert "ada@example.com" in html and "bob@example.org" not in html
    assert "93.184.216.34" in html
    html = _text(as_admin.get("/admin/subscribers?q=ada&kind=email"))
    assert "ada@example.com" in html and "93.184.216.34" not in html
    html = _text(as_admin.get("/admin/subscribers?state=pending"))
    assert "bob@example.org" in html and "ada@example.com" not in html
    assert "Nobody matches" in _text(as_admin.get("/admin/subscribers?q=nobody"))
    for query, status in [("kind=fax", 400), ("state=asleep", 400), ("page=0", 400)]:
        response = as_admin.get(f"/admin/subscribers?{query}")
        assert response.status_code == status, query
    response = as_admin.get("/admin/subscribers?page=2")
    assert response.status_code == 404 and "the last page is 1" in _text(response)


def test_export_is_utf8_csv_safe_for_spreadsheets(as_admin, mail_on):
    """Does the export download as UTF-8 CSV with every subscriber, filters applied, and cells
    that a spreadsheet shows as text instead of running them as formulas?"""
    signed_up("=cmd@example.com")
    signed_up("+sum@example.com", confirm=False)
    signed_up("zoë@example.com".replace("ë", "e"))
    response = as_admin.get("/admin/subscribers/export.csv")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["address"] for r in rows] == [
        "'=cmd@example.com",
        "'+sum@example.com",
        "zoe@example.com",
    ]
    assert rows[0]["state"] == "confirmed" and rows[0]["consent_ip"] == "203.0.113.7"

    pending = as_admin.get("/admin/subscribers/export.csv?state=pending").get_data()
    assert [r["address"] for r in csv.DictReader(io.StringIO(pending.decode("utf-8-sig")))] == [
        "'+sum@example.com"
    ]
    assert as_admin.get("/admin/subscribers/export.csv?kind=fax").status_code == 400
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "subscriber.export").order_by(AuditEvent.id)
    ).all()
    assert [e.details for e in events] == [
        {"kind": "all", "state": "all", "searched": False},
        {"kind": "all", "state": "pending", "searched": False},
    ]


def test_a_file_larger_than_the_site_accepts_is_refused(as_admin, mail_on):
    """Is an import file beyond the request size limit refused with a 413 that says so?"""
    # Encoded here, in memory: the test client would spool a body this size to a file it
    # never closes when the app refuses to read it.
    big = FileStorage(io.BytesIO(b"email\n" + b"a@example.com\n" * 80_000), "big.csv")
    boundary, body = encode_multipart(
        {"csrf_token": as_admin.csrf, "mode": "confirmed", "file": big}
    )
    response = as_admin.client.post(
        "/admin/subscribers/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413 and "larger than" in _text(response)
    assert _count() == 0


def _import(browser, data: bytes, mode: str | None, name: str = "list.csv"):
    form = {"file": (io.BytesIO(data), name, "text/csv")}
    if mode is not None:
        form["mode"] = mode
    return browser.post("/admin/subscribers/import", form, content_type="multipart/form-data")


def test_import_as_confirmed(as_admin, mail_on, catalogue):
    """When I import a list as confirmed, are the new addresses confirmed, marked as imported,
    with the components named, and is no confirmation mail queued?"""
    data = b"email,components\nAda@Example.com,\nbob@example.com,Website\n"
    response = _import(as_admin, data, "confirmed")
    assert response.status_code == 302, _text(response)
    assert "Imported 2 new subscribers." in _text(as_admin.get(response.headers["Location"]))
    ada, bob = subscriber("ada@example.com"), subscriber("bob@example.com")
    assert ada.state == SubscriberState.CONFIRMED and ada.source == "import"
    assert [t.component_id for t in bob.targets] == [catalogue.website_id]
    assert _count(Notification) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subscriber.import"))
    assert event.actor_label == "admin@example.com"
    assert event.details == {"mode": "confirmed", "added": 2, "suppressed": 0}
    assert "Imported by an admin" in _text(as_admin.get(f"/admin/subscribers/{ada.id}"))


def test_import_sending_confirmations(as_admin, mail_on):
    """With "send a confirmation", is each new address pending, with one confirmation queued?"""
    response = _import(as_admin, b"email\nada@example.com\nbob@example.com\n", "send_confirmation")
    assert response.status_code == 302, _text(response)
    assert subscriber("ada@example.com").state == SubscriberState.PENDING
    kinds = db.session.scalars(select(Notification.kind)).all()
    assert kinds == [NotificationKind.CONFIRM, NotificationKind.CONFIRM]
    assert "2 confirmation requests" in _text(as_admin.get("/admin/subscribers"))


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_written(as_admin, mail_on):
    """Does one bad line stop the import, with each bad line named, and nothing saved?"""
    data = b"email,components\nada@example.com,\nnot-an-address,\nbob@example.com,Nowhere\n"
    response = _import(as_admin, data, "confirmed")
    assert response.status_code == 400
    html = _text(response)
    assert "Nothing was imported: 2 lines need fixing" in html
    assert "Fix the lines listed above" in html
    assert "line 3: " in html and "line 4: no component “Nowhere”" in html
    assert _count() == 0 and _count(AuditEvent) == 2  # the two logins


@pytest.mark.parametrize(
    ("data", "mode", "message"),
    [
        (None, "confirmed", "Choose a CSV file to import."),
        (b"email\nada@example.com\n", None, "Choose whether the new subscribers"),
        (b"email\nada@example.com\n", "maybe", "confirmed or asked"),
        (b"\xff\xfe\x00junk", "confirmed", "not UTF-8"),
        (b"name\nada\n", "confirmed", "one called email"),
    ],
)
def test_an_unusable_import_is_refused_with_a_reason(as_admin, mail_on, data, mode, message):
    """Is an import without a file, without a mode, or of a file that is no CSV list of
    addresses answered with a 400 saying what to fix?"""
    if data is None:
        form = {"mode": mode}
        response = as_admin.post("/admin/subscribers/import", form)
    else:
        response = _import(as_admin, data, mode)
    assert response.status_code == 400
    assert message in _text(response)
    assert _count() == 0


def test_a_subscriber_page_shows_consent_follows_and_history(as_admin, mail_on, catalogue):
    """Does a subscriber's page show what they follow, their consent evidence and their
    deliveries newest first, with the error text?"""
    ada = signed_up("ada@example.com", component_ids=[catalogue.api_id], group_ids=[])
    delivery(ada, DeliveryState.SENT)
    delivery(ada, DeliveryState.DEAD, "550 5.1.1 <ada@example.com>: no such user")
    html = _text(as_admin.get(f"/admin/subscribers/{ada.id}"))
    assert "API" in html and "Everything" not in html
    assert "The subscribe form" in html and "203.0.113.7" in html
    assert "Mozilla/5.0 (pytest)" in html and "Version test-1" in html
    assert html.index("550 5.1.1") < html.index(">Sent<")
    assert "&lt;ada@example.com&gt;" in html
    assert "Deliveries (2)" in html


def test_delivery_history_pages(as_admin, people):
    """Does a long delivery history come in pages, and a page past the end answer 404?"""
    ada = people[0]
    for _ in range(26):
        delivery(ada, DeliveryState.SENT)
    assert "Page 2 of 2" in _text(as_admin.get(f"/admin/subscribers/{ada.id}?page=2"))
    assert as_admin.get(f"/admin/subscribers/{ada.id}?page=3").status_code == 404


def test_retrying_a_failed_delivery_queues_it_again(as_manager, people):
    """When a manager retries a failed delivery, is it pending again, due now, with its
    attempts still counted — and gone from the failed list?"""
    ada, _, hook = people
    dead = delivery(hook, DeliveryState.DEAD, "HTTP 500 from the receiver")
    html = _text(as_manager.get("/admin/deliveries/failed"))
    assert "HTTP 500 from the receiver" in html and "Retry all 1" in html

    response = as_manager.post(f"/admin/deliveries/{dead.id}/retry")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/deliveries/failed"
    db.session.expire_all()
    again = db.session.get(Delivery, dead.id)
    assert (again.state, again.attempts) == (DeliveryState.PENDING, 8)
    assert again.next_attempt_at > at(0)
    html = _text(as_manager.get("/admin/deliveries/failed"))
    assert "Queued again" in html and "No failed deliveries" in html

    response = as_manager.post(f"/admin/deliveries/{dead.id}/retry")
    assert response.status_code == 400 and "Only failed deliveries" in _text(response)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery.retry"))
    assert event.actor_label == "manager@example.com"


def test_retry_from_a_subscriber_page_returns_there(as_admin, people):
    """Does the retry button on a subscriber's page bring me back to that page?"""
    ada = people[0]
    dead = delivery(ada, DeliveryState.DEAD, "421 try later")
    response = as_admin.post(f"/admin/deliveries/{dead.id}/retry", {"back": "subscriber"})
    assert response.headers["Location"] == f"/admin/subscribers/{ada.id}"


def test_retry_all_of_a_notification(as_manager, people, make_component):
    """Does "retry all" queue every failed delivery of that notification, and say how many
    were left because their subscriber unsubscribed?"""
    ada, bob, hook = people
    api = make_component("API")
    opened = incidents.open_incident(
        name="API down", impact="major", message="Down.", components={api.id: "major_outage"}
    )
    outage = notification(incident_id=opened.id)
    first = delivery(ada, DeliveryState.DEAD, of=outage)
    delivery(hook, DeliveryState.DEAD, of=outage)
    hook.state = SubscriberState.UNSUBSCRIBED
    db.session.commit()
    html = _text(as_manager.get(f"/admin/deliveries/failed?notification={outage.id}"))
    assert "2 failed deliveries of one notification" in html
    assert "Incident opened: API down" in html and "Retry all 2" in html
    assert "Incident opened: API down" in _text(as_manager.get(f"/admin/subscribers/{ada.id}"))

    response = as_manager.post(f"/admin/deliveries/notification/{outage.id}/retry")

    assert response.status_code == 302
    html = _text(as_manager.get(response.headers["Location"]))
    assert "Queued 1 failed delivery; 1 left as they are" in html
    db.session.expire_all()
    assert db.session.get(Delivery, first.id).state == DeliveryState.PENDING


def test_reinstating_a_quarantined_subscriber(as_manager, people):
    """Can a manager lift a quarantine so that a retry is possible again?"""
    hook = people[2]
    hook.state, hook.bounce_count = SubscriberState.QUARANTINED, 5
    db.session.commit()
    dead = delivery(hook, DeliveryState.DEAD, "HTTP 410")
    refused = as_manager.post(f"/admin/deliveries/{dead.id}/retry", {"back": "subscriber"})
    assert refused.status_code == 400 and "reinstate it first" in _text(refused)
    assert "Reinstate" in _text(refused)

    response = as_manager.post(f"/admin/subscribers/{hook.id}/reinstate")

    assert response.status_code == 302
    assert subscriber(HOOK, "webhook").state == SubscriberState.CONFIRMED
    again = as_manager.post(f"/admin/subscribers/{hook.id}/reinstate")
    assert again.status_code == 400 and "Only a quarantined" in _text(again)
    assert as_manager.post(f"/admin/deliveries/{dead.id}/retry").status_code == 302


def test_removing_a_subscriber_erases_it(as_admin, people):
    """When I remove a subscriber, are they and their history gone, and does the audit log
    say so without their address?"""
    ada = people[0]
    delivery(ada, DeliveryState.SENT)
    page = _text(as_admin.get(f"/admin/subscribers/{ada.id}/remove"))
    assert "Remove ada@example.com?" in page
    assert "keeps only that an email subscriber was removed" in page

    response = as_admin.post(f"/admin/subscribers/{ada.id}/remove")

    assert response.status_code == 302 and response.headers["Location"] == "/admin/subscribers"
    listed = _text(as_admin.get("/admin/subscribers"))
    assert "Removed ada@example.com and everything kept about it." in listed
    assert subscriber("ada@example.com") is None and _count(Delivery) == 0
    log = _text(as_admin.get("/admin/audit?action=subscriber"))
    assert "subscriber.remove" in log and "ada@example.com" not in log
    assert as_admin.get(f"/admin/subscribers/{ada.id}").status_code == 404


def test_the_audit_log_groups_subscriber_and_delivery_actions(as_admin, people):
    """Can I filter the audit log to subscriber and delivery actions, with links to the
    subscriber?"""
    ada = people[0]
    dead = delivery(ada, DeliveryState.DEAD)
    as_admin.post(f"/admin/deliveries/{dead.id}/retry")
    _import(as_admin, b"email\nnew@example.com\n", "confirmed")
    html = _text(as_admin.get("/admin/audit"))
    assert '<option value="subscriber"' in html and '<option value="delivery"' in html
    assert "delivery.retry" in _text(as_admin.get("/admin/audit?action=delivery"))
    assert "subscriber.import" in _text(as_admin.get("/admin/audit?action=subscriber"))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/subscribers/99999"),
        ("get", "/admin/subscribers/99999/remove"),
        ("post", "/admin/subscribers/99999/remove"),
        ("post", "/admin/subscribers/99999/reinstate"),
        ("post", "/admin/deliveries/99999/retry"),
        ("post", "/admin/deliveries/notification/99999/retry"),
    ],
)
def test_unknown_ids_are_not_found(as_admin, method, path):
    """Does a subscriber, delivery or notification that does not exist answer 404?"""
    assert getattr(as_admin, method)(path).status_code == 404


def test_bad_filters_on_the_failed_list(as_admin):
    """Is a made-up notification filter or page on the failed list a 400, not a 500?"""
    assert as_admin.get("/admin/deliveries/failed?notification=abc").status_code == 400
    assert as_admin.get("/admin/deliveries/failed?page=x").status_code == 400
    assert as_admin.get("/admin/deliveries/failed?page=2").status_code == 404
