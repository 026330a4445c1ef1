"""Admin views: the suppression list — addresses nothing is sent to, and lifting that.

Managers may look (the list shows fingerprints, not addresses); lifting undoes an
erasure request or a complaint, a data-protection decision, so it is for admins.
Quarantined subscribers are listed here too; they are reinstated from their own page.
"""

from __future__ import annotations

from flask import render_template, request, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.parsers import check_page, requested_page
from app.admin.user_forms import ActionForm
from app.services import subscriber_address, suppressions
from app.services.errors import Invalid


def _checked():
    """(the address asked about, its suppression or None, an error) from `?address=`."""
    address = (request.args.get("address") or "").strip()
    if not address:
        return None, None, None
    try:
        return address, suppressions.look_up(address), None
    except Invalid as exc:
        return address, None, exc.message


@bp.get("/subscribers/suppressed")
def suppressed():
    page = requested_page()
    found = suppressions.listing(page=page)
    check_page(page, found.pages)
    address, match, error = _checked()
    return _page(found, address, match, error, 400 if error else 200)


def _page(found, address, match, error, status=200, form=None):
    quarantined, quarantined_total = suppressions.quarantined()
    return render_template(
        "admin/subscribers/suppressed.html",
        found=found,
        address=address,
        match=match,
        error=error,
        quarantined=quarantined,
        quarantined_total=quarantined_total,
        form=form or ActionForm(),
        shown=subscriber_address.masked,
    ), status


@bp.post("/subscribers/suppressed/<int:suppression_id>/lift")
@admin_only
def suppression_lift(suppression_id: int):
    found = suppressions.get_suppression(suppression_id)
    form = ActionForm()

    def save():
        suppressions.lift(found, actor=current_actor())
        return saved(
            "Lifted: the address may be signed up again, and confirms as anyone new does.",
            url_for("admin.suppressed"),
        )

    def page():
        found = suppressions.listing(page=1)
        return _page(found, None, None, " ".join(form.messages) or None, form=form)[0]

    return submit(form, save, page)
