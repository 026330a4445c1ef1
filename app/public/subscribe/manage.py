"""The manage page (choices, pause, follow, unsubscribe) and RFC 8058 one-click unsubscribe."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from app.extensions import csrf
from app.models import SubscriberKind, utcnow
from app.public.subscribe import bp
from app.public.subscribe.common import ids, optional_id
from app.services import incidents, subscriber_address, subscriber_tokens
from app.services import subscription_choices as choices
from app.services import subscription_manage as manage_service
from app.services.errors import NotFound, ServiceError

_SAVED = {
    "choices": "Your choices are saved.",
    "pause": "Paused: nothing will be sent until you resume.",
    "resume": "Resumed: you will receive updates again.",
    "follow": "You now follow this incident.",
    "unfollow": "You no longer follow that incident.",
}


def _offered_incident(subscriber):
    """The incident a "follow" link asks about (`?follow=ID`), unless already followed."""
    incident_id = optional_id(request.args.get("follow"))
    if incident_id is None or any(t.incident_id == incident_id for t in subscriber.targets):
        return None
    try:
        return incidents.get_incident(incident_id)
    except NotFound:
        abort(404, description="No such incident: it may have been deleted.")


def _manage_page(token: str, subscriber, *, error=None, status=200, offered=None):
    return (
        render_template(
            "public/subscribe/manage.html",
            token=token,
            subscriber=subscriber,
            shown_address=subscriber_address.masked(subscriber.kind, subscriber.address),
            sections=choices.for_form(),
            ticked=choices.ticked(subscriber),
            offered=offered,
            error=error,
        ),
        status,
    )


@bp.route("/subscribe/manage/<token>", methods=["GET", "POST"])
def manage(token: str):
    subscriber = manage_service.from_manage_link(token)
    if request.method == "GET":
        return _manage_page(token, subscriber, offered=_offered_incident(subscriber))
    action, now = request.form.get("action"), utcnow()
    try:
        if action == "unsubscribe":
            manage_service.unsubscribe(subscriber, now=now)
            return _unsubscribed_page()
        if action == "secret":
            secret = manage_service.new_signing_secret(subscriber, now=now)
            return render_template(
                "public/subscribe/secret.html", token=token, subscriber=subscriber, secret=secret
            )
        _change(subscriber, action, now)
    except ServiceError as exc:
        return _manage_page(token, subscriber, error=exc, status=exc.status_code)
    flash(_SAVED[action], "success")
    return redirect(url_for("subscribe.manage", token=token), 303)


def _change(subscriber, action: str | None, now) -> None:
    if action == "choices":
        component_ids, group_ids = choices.from_checkboxes(ids("component"), ids("group"))
        manage_service.set_choices(subscriber, component_ids, group_ids, now=now)
    elif action in ("pause", "resume"):
        manage_service.set_paused(subscriber, action == "pause", now=now)
    elif action in ("follow", "unfollow"):
        incident_id = optional_id(request.form.get("incident"))
        if incident_id is None:
            abort(400, description="Say which incident.")
        change = (
            manage_service.follow_incident
            if action == "follow"
            else (manage_service.unfollow_incident)
        )
        change(subscriber, incident_id, now=now)
    else:
        abort(400, description="Unknown action.")


def _unsubscribed_page():
    return render_template("public/subscribe/unsubscribed.html")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """RFC 8058: a POST unsubscribes with no cookie, no login and no CSRF token — the signed
    token in the URL is the proof — and answers 200; a GET only shows the button."""
    if request.method == "POST":
        manage_service.unsubscribe_with_link(token, now=utcnow())
        return _unsubscribed_page()
    subscriber = manage_service.from_unsubscribe_link(token)
    if subscriber is None:
        return _unsubscribed_page()
    return render_template(
        "public/subscribe/unsubscribe.html",
        token=token,
        shown_address=subscriber_address.masked(subscriber.kind, subscriber.address),
        is_email=subscriber.kind == SubscriberKind.EMAIL,
        manage_token=subscriber_tokens.make(
            subscriber_tokens.Purpose.MANAGE, subscriber.id, subscriber.token_nonce
        ),
    )
