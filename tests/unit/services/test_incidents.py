"""The incident lifecycle as an incident manager meets it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    ComponentStatusPeriod,
    Incident,
    IncidentStatus,
    IncidentUpdate,
)
from app.services import backfill, incidents, postmortems
from app.services import components as component_service
from app.services.backfill import PastUpdate
from app.services.errors import Invalid
from app.services.incident_rules import check_transition
from tests.unit.services.helpers import assert_contiguous, at, periods

S = IncidentStatus


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.INVESTIGATING, S.IDENTIFIED),
        (S.INVESTIGATING, S.MONITORING),
        (S.INVESTIGATING, S.RESOLVED),
        (S.IDENTIFIED, S.MONITORING),
        (S.IDENTIFIED, S.RESOLVED),
        (S.MONITORING, S.RESOLVED),
        (S.MONITORING, S.IDENTIFIED),
        (S.INVESTIGATING, S.INVESTIGATING),
        (S.MONITORING, S.MONITORING),
        (S.RESOLVED, S.RESOLVED),
    ],
)
def test_allowed_transitions(current, new):
    """Can an incident move forward in any order, repeat its status, and step back from
    monitoring to identified?"""
    check_transition(current, new, reopen=False)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.IDENTIFIED, S.INVESTIGATING),
        (S.MONITORING, S.INVESTIGATING),
    ],
)
def test_backward_transitions_are_refused(current, new):
    """Is going back anywhere other than monitoring → identified refused, naming both states?"""
    with pytest.raises(Invalid) as error:
        check_transition(current, new, reopen=False)
    assert current.label in error.value.message
    assert new.label in error.value.message


@pytest.mark.parametrize("new", [S.INVESTIGATING, S.IDENTIFIED, S.MONITORING])
def test_resolved_incident_needs_explicit_reopen(new):
    """Does posting a non-resolved status on a resolved incident ask for "reopen",
    and go through once it is given?"""
    with pytest.raises(Invalid) as error:
        check_transition(S.RESOLVED, new, reopen=False)
    assert "reopen" in error.value.message.lower()
    assert error.value.field == "status"
    check_transition(S.RESOLVED, new, reopen=True)


def test_open_incident_sets_statuses_and_periods(app, make_component):
    """Does opening an incident mark its components down from that moment, with a status
    period that points at the incident?"""
    api = make_component("API", now=at(0))
    web = make_component("Website", now=at(0))

    incident = incidents.open_incident(
        name="API errors",
        impact="major",
        message="We are investigating elevated errors.",
        components={api.id: "major_outage"},
        actor="test",
        now=at(10),
    )

    assert incident.status == S.INVESTIGATING
    assert api.status == "major_outage"
    assert web.status == "operational"
    assert [a.component_name for a in incident.affected] == ["API"]
    assert periods(api) == [("operational", at(0), at(10)), ("major_outage", at(10), None)]
    outage = db.session.scalar(
        select(ComponentStatusPeriod).where(
            ComponentStatusPeriod.component_id == api.id,
            ComponentStatusPeriod.ended_at.is_(None),
        )
    )
    assert outage.incident_id == incident.id
    change = incident.updates[0].changes[0]
    assert (change.old_status, change.new_status) == ("operational", "major_outage")


def test_open_incident_refuses_unknown_component_status(app, make_component):
    """Is a made-up component status refused before anything is saved?"""
    api = make_component("API")
    with pytest.raises(Invalid):
        incidents.open_incident(
            name="x", impact="minor", message="y", components={api.id: "on_fire"}
        )
    assert db.session.scalar(select(func.count(Incident.id))) == 0


def _open(api, **kwargs):
    return incidents.open_incident(
        name="API errors",
        impact="major",
        message="Investigating.",
        components={api.id: "major_outage"},
        now=at(10),
        **kwargs,
    )


def test_updates_are_listed_newest_first(app, make_component):
    """Does the timeline show the latest update first, with the incident's status following it?"""
    api = make_component("API", now=at(0))
    incident = _open(api)
    incidents.post_update(incident, status="identified", message="Found it.", now=at(20))
    incidents.post_update(incident, status="monitoring", message="Fix out.", now=at(30))

    assert [u.status for u in incident.updates] == ["monitoring", "identified", "investigating"]
    assert incident.status == S.MONITORING
    assert incident.monitoring_at == at(30)


def test_posting_on_resolved_incident_without_reopen_writes_nothing(app, make_component):
    """Is a stray "investigating" on a resolved incident refused, leaving it resolved?"""
    api = make_component("API", now=at(0))
    incident = _open(api)
    incidents.post_update(
        incident, status="resolved", message="Fixed.", restore_components=True, now=at(20)
    )

    with pytest.raises(Invalid, match="(?i)reopen"):
        incidents.post_update(incident, status="investigating", message="Again?", now=at(30))

    db.session.expire_all()
    assert incident.status == S.RESOLVED
    assert len(incident.updates) == 2


def test_reopening_a_resolved_incident(app, make_component):
    """Can a manager reopen a resolved incident on purpose, clearing its resolved time?"""
    api = make_component("API", now=at(0))
    incident = _open(api)
    incidents.post_update(incident, status="resolved", message="Fixed.", now=at(20))
    assert incident.resolved_at == at(20)

    incidents.post_update(
        incident, status="investigating", message="It is back.", reopen=True, now=at(30)
    )
    assert incident.status == S.INVESTIGATING
    assert incident.resolved_at is None


def test_resolving_restores_impaired_components_but_not_maintenance(app, make_component):
    """When resolving "returns components to operational", do the impaired ones come back
    while one under maintenance stays under maintenance?"""
    api = make_component("API", now=at(0))
    db_ = make_component("Database", now=at(0))
    incident = incidents.open_incident(
        name="Slow",
        impact="minor",
        message="Investigating.",
        components={api.id: "partial_outage", db_.id: "degraded_performance"},
        now=at(10),
    )
    component_service.set_status(db_, "under_maintenance", now=at(15))

    update = incidents.post_update(
        incident, status="resolved", message="Fixed.", restore_components=True, now=at(20)
    )

    assert api.status == "operational"
    assert db_.status == "under_maintenance"
    assert incident.resolved_at == at(20)
    assert [(c.component_name, c.new_status) for c in update.changes] == [("API", "operational")]
    assert periods(api)[-1] == ("operational", at(20), None)


def test_resolving_without_restore_leaves_components(app, make_component):
    """Does resolving without ticking "restore" leave component statuses to the manager?"""
    api = make_component("API", now=at(0))
    incident = _open(api)
    incidents.post_update(incident, status="resolved", message="Fixed.", now=at(20))
    assert api.status == "major_outage"


def test_edit_update_keeps_previous_text(app, make_component):
    """Does fixing a typo in an update keep what it said before, as a revision?"""
    api = make_component("API")
    incident = _open(api)
    update = incident.updates[0]

    incidents.edit_update(update, body="Investigating elevated errors.", actor="test")
    incidents.edit_update(update, body="Investigating elevated API errors.", actor="test")

    assert update.body == "Investigating elevated API errors."
    assert [r.body for r in update.revisions] == [
        "Investigating.",
        "Investigating elevated errors.",
    ]


def test_edit_update_with_same_text_adds_no_revision(app, make_component):
    """Does saving an unchanged update leave its history alone?"""
    api = make_component("API")
    update = _open(api).updates[0]
    incidents.edit_update(update, body="Investigating.")
    assert update.revisions == []


def _past(*steps):
    return [PastUpdate(status=s, message=f"{s} message", at=t) for s, t in steps]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([("investigating", at(-60)), ("resolved", at(60))], "future"),
        ([("investigating", at(-30)), ("resolved", at(-60))], "earlier"),
        ([("investigating", at(-60)), ("monitoring", at(-30))], "Resolved"),
        ([("monitoring", at(-60)), ("investigating", at(-50)), ("resolved", at(-30))], "back"),
        ([], "at least one"),
    ],
    ids=["future", "out-of-order", "not-resolved", "backwards", "empty"],
)
def test_backfill_refuses_invalid_history_and_writes_nothing(app, make_component, steps, message):
    """Is an impossible past incident refused with a reason, leaving no trace?"""
    api = make_component("API", now=at(-120))
    before = periods(api)

    with pytest.raises(Invalid, match=message):
        backfill.backfill_incident(
            name="Past outage",
            impact="major",
            updates=_past(*steps),
            components={api.id: "major_outage"},
            now=at(0),
        )

    db.session.expire_all()
    assert db.session.scalar(select(func.count(Incident.id))) == 0
    assert db.session.scalar(select(func.count(IncidentUpdate.id))) == 0
    assert periods(api) == before
    assert api.status == "operational"


def test_backfill_records_a_resolved_incident_with_its_times(app, make_component):
    """Does a backfilled incident appear resolved, with the times the manager gave,
    without touching the component's current status?"""
    api = make_component("API", now=at(-120))

    incident = backfill.backfill_incident(
        name="Past outage",
        impact="major",
        updates=_past(("investigating", at(-60)), ("identified", at(-45)), ("resolved", at(-30))),
        components={api.id: "major_outage"},
        now=at(0),
    )

    assert incident.status == S.RESOLVED
    assert incident.started_at == at(-60)
    assert incident.resolved_at == at(-30)
    assert [u.display_at for u in incident.updates] == [at(-30), at(-45), at(-60)]
    assert api.status == "operational"


def test_backfill_carves_its_period_into_history(app, make_component):
    """Is the past outage inserted into the component's history, splitting the periods
    around it, without gaps or overlaps?"""
    api = make_component("API", now=at(-120))
    component_service.set_status(api, "degraded_performance", now=at(-40))

    incident = backfill.backfill_incident(
        name="Past outage",
        impact="major",
        updates=_past(("investigating", at(-60)), ("resolved", at(-20))),
        components={api.id: "major_outage"},
        now=at(0),
    )

    rows = periods(api)
    assert rows == [
        ("operational", at(-120), at(-60)),
        ("major_outage", at(-60), at(-20)),
        ("degraded_performance", at(-20), None),
    ]
    assert_contiguous(rows)
    outage = db.session.scalar(
        select(ComponentStatusPeriod).where(ComponentStatusPeriod.status == "major_outage")
    )
    assert outage.incident_id == incident.id
    assert api.status == "degraded_performance"


def test_backfill_inside_one_period_splits_it_in_three(app, make_component):
    """Does an outage in the middle of a long operational stretch leave operational on both
    sides of it?"""
    api = make_component("API", now=at(-120))
    backfill.backfill_incident(
        name="Blip",
        impact="minor",
        updates=_past(("investigating", at(-60)), ("resolved", at(-50))),
        components={api.id: "partial_outage"},
        now=at(0),
    )
    rows = periods(api)
    assert rows == [
        ("operational", at(-120), at(-60)),
        ("partial_outage", at(-60), at(-50)),
        ("operational", at(-50), None),
    ]


def test_postmortem_only_after_resolution(app, make_component):
    """Is a postmortem refused while the incident is still open?"""
    incident = _open(make_component("API"))
    with pytest.raises(Invalid, match="(?i)resolve"):
        postmortems.save_postmortem(incident, body="What happened", publish=False)
    db.session.expire_all()
    assert incident.postmortem_body is None


def test_postmortem_draft_then_publish(app, make_component):
    """Does a draft stay private until published, and does unpublishing hide it again?"""
    incident = _open(make_component("API"))
    incidents.post_update(incident, status="resolved", message="Fixed.", now=at(20))

    postmortems.save_postmortem(incident, body="Draft text", publish=False)
    assert incident.postmortem_body == "Draft text"
    assert not incident.postmortem_published

    postmortems.save_postmortem(incident, body="Final text", publish=True)
    published_at = incident.postmortem_published_at
    assert incident.postmortem_published
    postmortems.save_postmortem(incident, body="Final text, typo fixed", publish=True)
    assert incident.postmortem_published_at == published_at

    postmortems.save_postmortem(incident, body="Final text, typo fixed", publish=False)
    assert not incident.postmortem_published
