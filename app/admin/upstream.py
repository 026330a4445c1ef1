"""Admin views: a component following another status page, and the review queue of
what followed pages report."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, url_for
from markupsafe import Markup

from app.admin import bp, current_actor
from app.admin.forms import saved, submit
from app.admin.upstream_forms import UpstreamForm
from app.admin.user_forms import ActionForm
from app.models import Component
from app.services import components, upstream, upstream_reports
from app.templating import format_time


@bp.app_template_filter("upstream_time")
def upstream_time(value: str) -> Markup | str:
    """An upstream update's time (ISO 8601, as Statuspage sends it) in the page's zone; the
    upstream's text as sent when it is no such time."""
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return format_time(when if when.tzinfo else when.replace(tzinfo=UTC))


def _follow_page(form: UpstreamForm, component: Component, *, status: int = 200):
    following = upstream.follow_of(component)
    page = render_template(
        "admin/components/upstream.html",
        form=form,
        component=component,
        following=following,
        source=following.source if following else None,
    )
    return page, status


@bp.route("/components/<int:component_id>/upstream", methods=["GET", "POST"])
def component_upstream(component_id: int):
    component = components.get_component(component_id)
    following = upstream.follow_of(component)
    form = UpstreamForm()
    if following is not None and not form.is_submitted():
        form.url.data = following.source.url
        form.vendor.data = component.operated_by
        form.upstream_component.data = following.upstream_component
    form.offer(following.source.listing if following else ())

    def save():
        # The page is read once here: what it lists is what may be chosen.
        url = upstream.summary_url(form.url.data)
        read = upstream.read_page(url)
        form.url.data = url
        form.offer(
            [{"id": c.id, "name": c.name} for c in read.summary.components] if read.summary else ()
        )
        if form.upstream_component.data not in {c.id for c in read.summary.components}:
            form.upstream_component.data = ""
            return _follow_page(form, component, status=200)
        chosen = upstream.follow(
            component,
            url=url,
            upstream_component=form.upstream_component.data,
            vendor=form.vendor.data,
            summary=read.summary,
            etag=read.etag,
            actor=current_actor(),
        )
        return saved(
            f"“{component.name}” now follows {chosen.upstream_name} on {url}.",
            url_for("admin.components", _anchor=f"component-{component.id}"),
        )

    return submit(form, save, lambda: _follow_page(form, component)[0])


@bp.post("/components/<int:component_id>/upstream/stop")
def component_upstream_stop(component_id: int):
    component = components.get_component(component_id)
    form = ActionForm()

    def save():
        upstream.unfollow(component, actor=current_actor())
        return saved(
            f"“{component.name}” no longer follows another page; its status stays as it is.",
            url_for("admin.components", _anchor=f"component-{component.id}"),
        )

    return submit(form, save, lambda: _follow_page(UpstreamForm(), component)[0])


def _reports_page(error: str | None = None):
    return render_template(
        "admin/upstream_reports.html",
        reports=upstream_reports.waiting(),
        failing=upstream_reports.failing_sources(),
        error=error,
    )


@bp.get("/upstream-reports")
def upstream_report_list():
    return _reports_page()


@bp.post("/upstream-reports/<int:report_id>/dismiss")
def upstream_report_dismiss(report_id: int):
    form = ActionForm()

    def save():
        report = upstream_reports.dismiss(report_id, actor=current_actor())
        return saved(f"“{report.name}” is off the list.", url_for("admin.upstream_report_list"))

    return submit(form, save, lambda: _reports_page(" ".join(form.messages)))
