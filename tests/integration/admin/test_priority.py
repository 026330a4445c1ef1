"""ITIL priority and owner as managers use them: on the new-incident and edit forms, in the
list (filter, order) and on the incident page; the matrix an admin configures."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Incident, Priority
from app.services import incidents, priority, users


def _open(browser, **extra):
    data = {
        "title": "API errors",
        "impact": "major",
        "status": "investigating",
        "message": "Looking into it.",
    }
    return browser.post("/admin/incidents/new", data=data | extra)


def _incident(name="API errors") -> Incident:
    db.session.expire_all()
    return db.session.scalars(select(Incident).where(Incident.name == name)).one()


def _actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_opening_an_incident_with_impact_and_urgency_gives_its_priority(as_manager, manager_user):
    """Does an incident opened as extensive × critical, owned by me, read P1 and name me?"""
    response = _open(
        as_manager, internal_impact="extensive", urgency="critical", owner=str(manager_user.id)
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    incident = _incident()
    assert incident.priority == Priority.P1
    assert incident.owner_id == manager_user.id
    page = as_manager.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert ">P1<" in page and "Owner manager@example.com" in page
    assert _actions("incident.open")[0].details["priority"] == "p1"


def test_an_incident_without_classification_has_no_priority(as_manager):
    """Can a manager open an incident without classifying it, and see that it has none?"""
    assert _open(as_manager).status_code == 302
    incident = _incident()
    assert (incident.internal_impact, incident.urgency, incident.priority) == (None, None, None)
    assert "No priority" in as_manager.get("/admin/incidents").get_data(as_text=True)


def test_a_bad_classification_is_refused_with_a_message_and_nothing_is_written(as_manager):
    """Does an unknown urgency or owner come back as a 400 naming the mistake, opening nothing?"""
    refused = _open(as_manager, urgency="yesterday")
    assert refused.status_code == 400
    assert "Urgency must be one of: critical, high, medium, low." in refused.get_data(as_text=True)
    bad_owner = _open(as_manager, owner="999")
    assert bad_owner.status_code == 400
    assert "The owner must be an active manager or admin." in bad_owner.get_data(as_text=True)
    assert db.session.scalars(select(Incident)).all() == []


def test_editing_the_classification_rederives_the_priority_and_is_audited(as_manager, admin_user):
    """When I lower the urgency and hand the incident to an admin, do priority and owner follow?"""
    _open(as_manager, internal_impact="significant", urgency="high")
    incident = _incident()
    assert incident.priority == Priority.P2
    response = as_manager.post(
        f"/admin/incidents/{incident.id}/edit",
        data={
            "title": "API errors",
            "impact": "major",
            "internal_impact": "significant",
            "urgency": "low",
            "owner": str(admin_user.id),
        },
    )
    assert response.status_code == 302
    incident = _incident()
    assert incident.priority == Priority.P4
    assert incident.owner_id == admin_user.id
    details = _actions("incident.edit")[-1].details
    assert details["urgency"] == "low" and details["priority"] == "p4"
    assert details["owner_id"] == admin_user.id


def test_the_list_filters_and_orders_by_priority(as_manager):
    """Can I see only the P1 incidents, and the most pressing first?"""
    _open(as_manager, title="Low one", internal_impact="minor", urgency="low")
    _open(as_manager, title="Urgent one", internal_impact="extensive", urgency="critical")
    _open(as_manager, title="Unclassified one")
    only_p1 = as_manager.get("/admin/incidents?priority=p1").get_data(as_text=True)
    assert "Urgent one" in only_p1 and "Low one" not in only_p1
    unset = as_manager.get("/admin/incidents?priority=none").get_data(as_text=True)
    assert "Unclassified one" in unset and "Urgent one" not in unset
    ordered = as_manager.get("/admin/incidents?sort=priority").get_data(as_text=True)
    assert (
        ordered.index("Urgent one") < ordered.index("Low one") < ordered.index("Unclassified one")
    )


def test_a_bad_filter_or_order_is_a_400(as_manager):
    """Does a made-up priority or order in the address answer 400 rather than a guess?"""
    assert as_manager.get("/admin/incidents?priority=p9").status_code == 400
    assert as_manager.get("/admin/incidents?sort=owner").status_code == 400


def test_deleting_a_user_clears_what_they_owned(as_admin, make_user):
    """When an owner's account is removed, does the incident stay, owned by nobody?"""
    owner = make_user("leaver@example.com")
    _open(as_admin, owner=str(owner.id))
    users.delete_user(owner, actor="test")
    incident = _incident()
    assert incident.owner_id is None


def test_only_admins_change_the_matrix(as_manager, as_admin):
    """Is the matrix page closed to managers, and does it show the default to an admin?"""
    assert as_manager.get("/admin/settings/priority").status_code == 403
    page = as_admin.get("/admin/settings/priority").get_data(as_text=True)
    assert 'id="extensive_critical"' in page
    assert priority.matrix() == priority.DEFAULT_MATRIX


def _cells(**changes) -> dict:
    cells = {f"{i.value}_{u.value}": p.value for (i, u), p in priority.DEFAULT_MATRIX.items()}
    return cells | changes


def test_saving_the_matrix_rederives_every_classified_incident(as_admin):
    """When an admin makes minor × low a P4, do existing minor × low incidents become P4?"""
    _open(as_admin, internal_impact="minor", urgency="low")
    assert _incident().priority == Priority.P5
    response = as_admin.post("/admin/settings/priority", data=_cells(minor_low="p4"))
    assert response.status_code == 302
    assert _incident().priority == Priority.P4
    assert _actions("priority_matrix.save")[0].details == {"changed": {"minor/low": "p4"}}
    _open(as_admin, title="Later", internal_impact="minor", urgency="low")
    assert _incident("Later").priority == Priority.P4


def test_a_matrix_with_a_missing_or_unknown_cell_is_refused(as_admin):
    """Does a matrix with a made-up priority come back as a 400, the matrix unchanged?"""
    response = as_admin.post("/admin/settings/priority", data=_cells(minor_low="p9"))
    assert response.status_code == 400
    assert "Priority must be one of: p1, p2, p3, p4, p5." in response.get_data(as_text=True)
    cells = _cells()
    del cells["moderate_high"]
    assert as_admin.post("/admin/settings/priority", data=cells).status_code == 400
    assert priority.matrix() == priority.DEFAULT_MATRIX


def test_maintenance_takes_no_priority(app, admin_user):
    """Is a maintenance window kept out of the ITIL classification?"""
    from datetime import timedelta

    from app.models import utcnow
    from app.services import maintenance
    from app.services.errors import Invalid

    window = maintenance.schedule_maintenance(
        name="Upgrade",
        message="Planned.",
        scheduled_for=utcnow() + timedelta(days=1),
        scheduled_until=utcnow() + timedelta(days=1, hours=1),
        actor="test",
    )
    try:
        priority.classify(window, urgency="high", actor="test")
    except Invalid as exc:
        assert "Maintenance has no priority" in exc.message
    else:
        raise AssertionError("maintenance was classified")
    opened = incidents.open_incident(name="X", impact="minor", message="m", actor="test")
    assert priority.classify(opened, internal_impact="minor", urgency="high").priority == "p4"
