"""The review queue of upstream incidents: what a followed page reports, for a manager.

Herald publishes nothing a person has not written: a new upstream incident (by the
upstream's id, once) waits here, and a manager opens it as an incident of ours —
the new-incident form filled in from it, and the two linked — or dismisses it.
Later upstream updates to an opened one are shown here again, never posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.delivery.upstream import Summary, UpstreamIncident
from app.extensions import db
from app.models import (
    ComponentStatus,
    Impact,
    Incident,
    ReportState,
    UpstreamFollow,
    UpstreamReport,
    UpstreamSource,
)
from app.services import audit, incidents, team_channels
from app.services.errors import Conflict, NotFound
from app.services.tx import locked, locked_all, transactional

REPORT_GONE = "This upstream report no longer exists; its page is no longer followed."
CLOSED = ("resolved", "postmortem", "completed")
# What an upstream incident's impact suggests for the components it names.
IMPACT_STATUS = {
    "critical": ComponentStatus.MAJOR_OUTAGE,
    "major": ComponentStatus.PARTIAL_OUTAGE,
}


def _waiting():
    return select(UpstreamReport).where(
        or_(
            UpstreamReport.state == ReportState.NEW,
            (UpstreamReport.state == ReportState.OPENED) & UpstreamReport.news,
        )
    )


def waiting() -> list[UpstreamReport]:
    """New reports, and opened ones with upstream news, newest first."""
    return list(
        db.session.scalars(
            _waiting()
            .options(selectinload(UpstreamReport.source))
            .order_by(UpstreamReport.updated_at.desc(), UpstreamReport.id.desc())
        )
    )


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(_waiting().subquery())) or 0


def failing_sources() -> list[UpstreamSource]:
    return list(
        db.session.scalars(
            select(UpstreamSource)
            .where(UpstreamSource.last_error.is_not(None))
            .order_by(UpstreamSource.id)
        )
    )


def get_report(report_id: int) -> UpstreamReport:
    report = db.session.get(UpstreamReport, report_id)
    if report is None:
        raise NotFound(REPORT_GONE)
    return report


@dataclass(frozen=True)
class Draft:
    """What the new-incident form starts with when opened from a report."""

    title: str
    impact: Impact
    message: str
    components: dict[int, ComponentStatus]


def draft(report: UpstreamReport) -> Draft:
    vendor = report.source.page_name or "An upstream provider"
    said = report.updates[0]["body"] if report.updates else ""
    message = f"{vendor} reports: {report.name}."
    if said:
        message += f"\n\n{said}"
    impact = Impact(report.impact) if report.impact in ("minor", "major", "critical") else None
    status = IMPACT_STATUS.get(report.impact, ComponentStatus.DEGRADED_PERFORMANCE)
    return Draft(
        title=report.name[: incidents.MAX_TITLE],
        impact=impact or Impact.MINOR,
        message=message[: incidents.MAX_MESSAGE],
        components=dict.fromkeys(report.component_ids, status),
    )


def record(source: UpstreamSource, summary: Summary, actor: str, now: datetime) -> None:
    """Queue the summary's new incidents (those naming a followed component, or none),
    and note what changed in those already queued. Joins the caller's transaction."""
    followed = {
        f.upstream_component: f.component_id
        for f in db.session.scalars(
            select(UpstreamFollow).where(UpstreamFollow.source_id == source.id)
        )
    }
    known = {
        r.upstream_id: r for r in locked_all(UpstreamReport, UpstreamReport.source_id == source.id)
    }
    listed = set()
    for incident in summary.incidents:
        listed.add(incident.id)
        report = known.get(incident.id)
        if report is not None:
            _refresh(report, incident, now)
        elif not incident.component_ids or any(c in followed for c in incident.component_ids):
            _queue(source, incident, followed, actor, now)
    for report in known.values():
        # A summary lists unresolved incidents only: one that left it was resolved.
        if report.upstream_id not in listed and report.upstream_status not in CLOSED:
            report.upstream_status = "resolved"
            _changed(report, now)


def _queue(source, incident: UpstreamIncident, followed: dict, actor: str, now) -> None:
    ours = [followed[c] for c in incident.component_ids if c in followed]
    report = UpstreamReport(
        source_id=source.id,
        upstream_id=incident.id,
        name=incident.name,
        upstream_status=incident.status,
        impact=incident.impact,
        link=incident.link if incident.link and len(incident.link) <= 2048 else None,
        updates=incident.updates,
        component_ids=ours or sorted(set(followed.values())),
        state=ReportState.NEW,
        news=False,
        first_seen_at=now,
        updated_at=now,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "upstream.report", "upstream_report", report.id, name=incident.name)
    team_channels.upstream_reported(report, source.page_name)


def _refresh(report: UpstreamReport, incident: UpstreamIncident, now: datetime) -> None:
    if report.updates == incident.updates and report.upstream_status == incident.status:
        return
    report.name = incident.name
    report.upstream_status = incident.status
    report.impact = incident.impact
    report.updates = incident.updates
    _changed(report, now)


def _changed(report: UpstreamReport, now: datetime) -> None:
    report.updated_at = now
    if report.state == ReportState.OPENED:
        report.news = True  # shown to the manager; nothing is posted for them


@transactional
def dismiss(report_id: int, *, actor) -> UpstreamReport:
    report = locked(UpstreamReport, report_id, missing=REPORT_GONE)
    if report.state == ReportState.NEW:
        report.state = ReportState.DISMISSED
    report.news = False
    audit.record(actor, "upstream.dismiss", "upstream_report", report.id, name=report.name)
    return report


@transactional
def open_incident(report_id: int, *, actor, **details) -> Incident:
    """Open an incident of ours from the report (`details`: incidents.open_incident's
    arguments, as the manager left them in the form) and link the two."""
    report = locked(UpstreamReport, report_id, missing=REPORT_GONE)
    if report.state != ReportState.NEW:
        raise Conflict(
            f"This upstream report was already {report.state.label.lower()} "
            "by someone else; nothing was opened."
        )
    incident = incidents.open_incident(actor=actor, **details)
    report.state = ReportState.OPENED
    report.incident_id = incident.id
    report.news = False
    audit.record(
        actor, "upstream.open", "upstream_report", report.id, incident=incident.id, name=report.name
    )
    return incident
