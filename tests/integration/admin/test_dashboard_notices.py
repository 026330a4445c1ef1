"""Does the dashboard tell an admin when subscribers are not getting their notifications?"""

from __future__ import annotations

from datetime import timedelta

from app.models import DeliveryState, utcnow
from app.services import heartbeat
from tests.subscriber_records import delivery

WORKER_NEVER = "No background worker has run yet"
WORKER_SILENT = "The background worker has been silent for"
LATE = "Notifications are running late"
FAILED = "failed for good"


def _dashboard(browser) -> str:
    response = browser.get("/admin/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_all_quiet_shows_no_notice(as_manager, mail_on):
    """With mail on, a worker beating and nothing failed or late, is the dashboard quiet?"""
    heartbeat.beat("worker")
    html = _dashboard(as_manager)
    for notice in (WORKER_NEVER, WORKER_SILENT, LATE, FAILED, "Mail is off"):
        assert notice not in html


def test_dead_letters_are_counted_with_a_link(as_manager, people):
    """When deliveries ran out of retries, does the dashboard say how many and link to them?"""
    heartbeat.beat("worker")
    for who in people[:2]:
        delivery(who, DeliveryState.DEAD, "550 no such user")
    html = _dashboard(as_manager)
    assert "2 deliveries have failed for good" in html
    assert 'href="/admin/deliveries/failed"' in html


def test_a_worker_that_never_ran_or_went_silent_is_noticed(as_manager, mail_on):
    """Does the dashboard say when no worker ever ran, and when the last one went quiet?"""
    assert WORKER_NEVER in _dashboard(as_manager)
    heartbeat.beat("worker", now=utcnow() - timedelta(minutes=20))
    html = _dashboard(as_manager)
    assert WORKER_NEVER not in html and f"{WORKER_SILENT} 20 minutes" in html


def test_a_late_outbox_is_noticed(as_manager, people):
    """When a delivery has been due for long (the worker is stuck, or mail is refused), does
    the dashboard say notifications are running late?"""
    heartbeat.beat("worker")
    delivery(people[0], DeliveryState.PENDING, attempts=1)  # due since a fixed day in 2025
    assert LATE in _dashboard(as_manager)


def test_mail_off_is_noticed(as_manager, mail_off):
    """Without SMTP_URL, does the dashboard say that mail is off?"""
    assert "Mail is off" in _dashboard(as_manager)
