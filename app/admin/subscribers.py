"""Admin views: subscribers — find them, see their consent and deliveries, import, export,
remove, reinstate.

Who may do what: managers run the incidents that subscribers hear of, so they
may look subscribers up and lift a quarantine (see app/admin/deliveries.py for
retries). Taking personal data out of Herald (export), putting it in (import)
and erasing it (remove) are data-protection decisions, for admins only.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    render_template,
    request,
    url_for,
)

from app.admin import admin_only, bp, current_actor
from app.admin.downloads import csv_download
from app.admin.forms import saved, submit
from app.admin.parsers import check_page, requested_page
from app.admin.subscriber_forms import ImportForm, RemoveForm
from app.admin.user_forms import ActionForm
from app.models import Subscriber, SubscriberKind, SubscriberState, utcnow
from app.services import dead_letters, subscriber_address, subscriber_admin, subscriber_import
from app.services import subscription_choices as choices
from app.services.errors import Invalid
from app.services.subscriber_import import ImportRejected
from app.services.subscriptions import mail_enabled

HISTORY_PER_PAGE = 25
SOURCES = {
    "form": "The subscribe form",
    "import": "Imported by an admin",
    "admin": "Added by an admin",
    "api": "The API",
}


def _filters() -> dict[str, str | None]:
    """The list's `?q=`, `?kind=` and `?state=` as sent (the service checks them)."""
    return {name: (request.args.get(name) or "").strip() or None for name in ("q", "kind", "state")}


def _search(filters: dict, page: int):
    try:
        return subscriber_admin.search(filters["q"], filters["kind"], filters["state"], page=page)
    except Invalid as exc:
        abort(400, exc.message)


@bp.get("/subscribers")
def subscribers():
    page = requested_page()
    filters = _filters()
    found = _search(filters, page)
    check_page(page, found.pages)
    return render_template(
        "admin/subscribers/list.html",
        found=found,
        filters=filters,
        kinds=list(SubscriberKind),
        states=list(SubscriberState),
        failed=dead_letters.dead_count(),
        mail_on=mail_enabled(),
        shown=subscriber_address.masked,
    )


@bp.get("/subscribers/export.csv")
@admin_only
def subscriber_export():
    filters = _filters()
    try:
        lines = subscriber_admin.export_csv(filters["q"], filters["kind"], filters["state"])
    except Invalid as exc:  # checked before the first byte, so the answer is a clear 400
        abort(400, exc.message)
    subscriber_admin.record_export(
        filters["q"], filters["kind"], filters["state"], actor=current_actor()
    )
    return csv_download(lines, "subscribers")


@bp.get("/subscribers/<int:subscriber_id>")
def subscriber(subscriber_id: int):
    found = subscriber_admin.get_subscriber(subscriber_id)
    page = requested_page()
    history = subscriber_admin.delivery_history(found, page=page, per_page=HISTORY_PER_PAGE)
    check_page(page, history.pages)
    return subscriber_page(found, history)


def subscriber_page(found: Subscriber, history=None, error: str | None = None):
    history = history or subscriber_admin.delivery_history(found, per_page=HISTORY_PER_PAGE)
    return render_template(
        "admin/subscribers/show.html",
        subscriber=found,
        address=subscriber_address.masked(found.kind, found.address),
        follows=choices.describe(found),
        consent=subscriber_admin.consent_record(found),
        source_label=SOURCES.get(found.source, found.source),
        history=history,
        incident_names=dead_letters.incident_names(d.notification for d in history.items),
        label=dead_letters.label,
        error=error,
    )


@bp.post("/subscribers/<int:subscriber_id>/reinstate")
def subscriber_reinstate(subscriber_id: int):
    found = subscriber_admin.get_subscriber(subscriber_id)
    form = ActionForm()

    def save():
        subscriber_admin.reinstate(found, now=utcnow(), actor=current_actor())
        return saved(
            "Reinstated: updates go out to this subscriber again. Retry its failed "
            "deliveries if they should still arrive.",
            url_for("admin.subscriber", subscriber_id=found.id),
        )

    return submit(form, save, lambda: subscriber_page(found, error=" ".join(form.messages)))


@bp.route("/subscribers/<int:subscriber_id>/remove", methods=["GET", "POST"])
@admin_only
def subscriber_remove(subscriber_id: int):
    found = subscriber_admin.get_subscriber(subscriber_id)
    form = RemoveForm()
    address = subscriber_address.masked(found.kind, found.address)

    def save():
        subscriber_admin.remove(found, form.reason.data, now=utcnow(), actor=current_actor())
        return saved(
            f"Removed {address} and everything kept about it. The address is suppressed: "
            "nothing is sent to it again unless an admin lifts that.",
            url_for("admin.subscribers"),
        )

    return submit(
        form,
        save,
        lambda: render_template(
            "admin/subscribers/remove.html", subscriber=found, address=address, form=form
        ),
    )


@bp.route("/subscribers/import", methods=["GET", "POST"])
@admin_only
def subscriber_import_page():
    form = ImportForm()
    problems: list[str] = []

    def save():
        data = form.file.data.stream.read(subscriber_import.MAX_BYTES + 1)
        try:
            result = subscriber_import.import_csv(
                data, form.mode.data, now=utcnow(), actor=current_actor()
            )
        except ImportRejected as exc:
            problems.extend(exc.problems)  # listed on top, the field says what to do
            raise Invalid(
                "Fix the lines listed above, then choose the file again.", "file"
            ) from exc
        return saved(_imported(result), url_for("admin.subscribers"))

    def page():
        limit = min(subscriber_import.MAX_BYTES, current_app.config["MAX_CONTENT_LENGTH"])
        return render_template(
            "admin/subscribers/import.html",
            form=form,
            problems=problems[: subscriber_import.SHOWN_PROBLEMS],
            problems_title=_problems_title(len(problems)),
            more=max(0, len(problems) - subscriber_import.SHOWN_PROBLEMS),
            limit_kib=limit // 1024,
            mail_on=mail_enabled(),
        )

    return submit(form, save, page)


def _problems_title(count: int) -> str:
    return f"Nothing was imported: {'1 line needs' if count == 1 else f'{count} lines need'} fixing"


def _imported(result: subscriber_import.ImportResult) -> str:
    parts = [f"Imported {result.added} new subscriber{'' if result.added == 1 else 's'}."]
    if result.confirmations_queued:
        parts.append(f"{result.confirmations_queued} confirmation requests are on their way.")
    if result.already_known:
        parts.append(f"{result.already_known} already known, left as they were.")
    if result.repeated:
        parts.append(f"{result.repeated} repeated lines counted once.")
    if result.opted_out:
        parts.append(f"{result.opted_out} unsubscribed lines skipped.")
    if result.suppressed:
        parts.append(f"{result.suppressed} suppressed addresses skipped.")
    return " ".join(parts)
