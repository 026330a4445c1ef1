"""Subscribing and confirming: the form, "check your inbox", resend, the confirm link."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for

from app.models import SubscriberKind
from app.public.subscribe import bp
from app.public.subscribe.common import evidence, ids, optional_id, rate_limited
from app.services import incidents, subscriber_address, subscriber_tokens, subscriptions
from app.services import subscription_choices as choices
from app.services.errors import NotFound, ServiceError
from app.site import absolute_url

_SENT = "herald.subscribe.sent"


def _kind(value: str | None) -> SubscriberKind:
    """The kind asked for. A form for a kind not on offer (email while mail is off) shows
    the first kind offered instead; a POST of it gets the service's reason."""
    offered = subscriptions.available_kinds()
    try:
        kind = SubscriberKind(value) if value else offered[0]
    except ValueError:
        abort(400, description="Choose email, webhook, Slack or Discord.")
    if request.method == "GET" and kind not in offered:
        return offered[0]
    return kind


def _incident(incident_id: int | None):
    if incident_id is None:
        return None
    try:
        return incidents.get_incident(incident_id)
    except NotFound:
        abort(404, description="No such incident: it may have been deleted.")


def _form_page(kind: SubscriberKind, incident, *, error=None, status=200, ticked=None):
    sections = choices.for_form()
    if ticked is None:  # a new visitor: everything
        ticked = choices.Ticked(
            frozenset(c.id for _, components in sections for c in components),
            frozenset(group.id for group, _ in sections if group is not None),
            [],
        )
    return (
        render_template(
            "public/subscribe/form.html",
            kind=kind,
            kinds=subscriptions.available_kinds(),
            incident=incident,
            sections=sections,
            ticked=ticked,
            address=request.form.get("address", ""),
            error=error,
        ),
        status,
    )


@bp.route("/subscribe", methods=["GET", "POST"])
@rate_limited
def form():
    source = request.form if request.method == "POST" else request.args
    kind = _kind(source.get("kind"))
    incident = _incident(optional_id(source.get("incident")))
    if request.method == "GET":
        return _form_page(kind, incident)
    component_ids, group_ids = ids("component"), ids("group")
    try:
        if incident is None:
            component_ids, group_ids = choices.from_checkboxes(component_ids, group_ids)
        else:
            component_ids = group_ids = None
        subscriptions.subscribe(
            request.form.get("address"),
            kind,
            component_ids=component_ids,
            group_ids=group_ids,
            incident_id=incident.id if incident is not None else None,
            evidence=evidence(),
        )
    except ServiceError as exc:
        ticked = choices.Ticked(frozenset(ids("component")), frozenset(ids("group")), [])
        return _form_page(kind, incident, error=exc, status=exc.status_code, ticked=ticked)
    session[_SENT] = {"kind": kind.value, "address": request.form.get("address", "").strip()}
    return redirect(url_for("subscribe.sent"), 303)


@bp.route("/subscribe/sent")
def sent():
    asked = session.get(_SENT)
    if not isinstance(asked, dict):
        return redirect(url_for("subscribe.form"), 303)
    return render_template(
        "public/subscribe/sent.html",
        kind=SubscriberKind(asked["kind"]),
        address=asked["address"],
        cooldown_minutes=int(subscriptions.COOLDOWN.total_seconds() // 60),
        resent=request.args.get("resent") == "1",
    )


@bp.route("/subscribe/resend", methods=["POST"])
@rate_limited
def resend():
    kind = _kind(request.form.get("kind"))
    subscriptions.resend(request.form.get("address"), kind, evidence=evidence())
    session[_SENT] = {"kind": kind.value, "address": request.form.get("address", "").strip()}
    return redirect(url_for("subscribe.sent", resent=1), 303)


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    # Mail scanners open links: a GET only shows the button, the POST confirms.
    if request.method == "GET":
        subscriber = subscriptions.pending_for_confirmation(token)
        return render_template(
            "public/subscribe/confirm.html",
            subscriber=subscriber,
            shown_address=subscriber_address.masked(subscriber.kind, subscriber.address),
            summary=choices.describe(subscriber),
        )
    subscriber = subscriptions.confirm(token, evidence=evidence())
    manage_token = subscriber_tokens.make(
        subscriber_tokens.Purpose.MANAGE, subscriber.id, subscriber.token_nonce
    )
    return render_template(
        "public/subscribe/confirmed.html",
        subscriber=subscriber,
        shown_address=subscriber_address.masked(subscriber.kind, subscriber.address),
        manage_url=absolute_url("subscribe.manage", token=manage_token),
        # Shown this once, to whoever holds the confirm link that reached the endpoint.
        secret=subscriber.signing_secret if subscriber.kind == SubscriberKind.WEBHOOK else None,
    )
