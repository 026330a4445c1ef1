"""Admin views: failed deliveries (dead letters) and retrying them.

Managers may retry: a retry only sends again what was already meant to go
out, to subscribers who still want it (the service refuses the others).
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for

from app.admin import bp, current_actor
from app.admin.forms import saved, submit
from app.admin.parsers import check_page, optional_int, requested_page
from app.admin.subscriber_forms import RetryForm
from app.admin.subscribers import subscriber_page
from app.admin.user_forms import ActionForm
from app.models import utcnow
from app.services import dead_letters, subscriber_address, subscriber_admin
from app.services.errors import Invalid


def _notification_filter() -> int | None:
    """`?notification=`: show the failed deliveries of one notification only."""
    try:
        return optional_int(request.args.get("notification"), "notification")
    except Invalid as exc:
        abort(400, exc.message)


def _failed_page(page: int = 1, notification_id: int | None = None, error: str | None = None):
    found = dead_letters.dead_letters(notification_id=notification_id, page=page)
    check_page(page, found.pages)
    groups = dead_letters.dead_groups()
    notifications = [g.notification for g in groups] + [d.notification for d in found.items]
    return render_template(
        "admin/deliveries/failed.html",
        found=found,
        groups=groups,
        notification_id=notification_id,
        incident_names=dead_letters.incident_names(notifications),
        label=dead_letters.label,
        shown=subscriber_address.masked,
        error=error,
    )


@bp.get("/deliveries/failed")
def deliveries_failed():
    return _failed_page(requested_page(), _notification_filter())


@bp.post("/deliveries/<int:delivery_id>/retry")
def delivery_retry(delivery_id: int):
    delivery = dead_letters.get_delivery(delivery_id)
    subscriber_id = delivery.subscriber_id
    form = RetryForm()
    # The button is on the failed list and on the subscriber's page: answer on the same page.
    on_subscriber = form.back.data == "subscriber"

    def save():
        dead_letters.retry(delivery_id, now=utcnow(), actor=current_actor())
        back = (
            url_for("admin.subscriber", subscriber_id=subscriber_id)
            if on_subscriber
            else url_for("admin.deliveries_failed")
        )
        return saved("Queued again: the worker sends it within moments.", back)

    def refused():
        error = " ".join(form.messages)
        if on_subscriber:
            return subscriber_page(subscriber_admin.get_subscriber(subscriber_id), error=error)
        return _failed_page(error=error)

    return submit(form, save, refused)


@bp.post("/deliveries/notification/<int:notification_id>/retry")
def delivery_retry_all(notification_id: int):
    dead_letters.get_notification(notification_id)
    form = ActionForm()

    def save():
        result = dead_letters.retry_all(notification_id, now=utcnow(), actor=current_actor())
        message = f"Queued {result.retried} failed deliver{'y' if result.retried == 1 else 'ies'}"
        if result.left_out:
            message += f"; {result.left_out} left as they are (unsubscribed or quarantined)"
        return saved(message + ".", url_for("admin.deliveries_failed"))

    return submit(form, save, lambda: _failed_page(error=" ".join(form.messages)))
