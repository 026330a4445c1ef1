"""The incident pages as a manager uses them: open, update, resolve, edit, backfill, postmortem."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Component, Incident, IncidentUpdate, utcnow
from app.services import incidents


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id))) or 0


def _open(browser, api, **extra):
    data = {
        "title": "API errors",
        "impact": "major",
        "status": "investigating",
        "message": "We are looking into elevated error rates.",
        f"component-{api.id}": "major_outage",
    }
    data.update(extra)
    return browser.post("/admin/incidents/new", data=data)


def _incident() -> Incident:
    return db.session.scalars(select(Incident)).one()


def test_opening_an_incident_sets_the_component_statuses(as_manager, make_component):
    """Does opening an incident put the chosen components in the chosen status?"""
    api = make_component("API")
    web = make_component("Website")
    response = _open(as_manager, api)
    assert response.status_code == 302, response.get_data(as_text=True)
    incident = _incident()
    assert response.headers["Location"].endswith(f"/admin/incidents/{incident.id}")
    db.session.expire_all()
    assert db.session.get(Component, api.id).status == "major_outage"
    assert db.session.get(Component, web.id).status == "operational"
    page = as_manager.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert "API errors" in page
    assert "elevated error rates" in page
    assert "Major Outage" in page


def test_the_new_incident_form_offers_every_component(as_manager, make_component):
    """Can a manager see one status choice per component, with a legend?"""
    make_component("API")
    make_component("Website")
    page = as_manager.get("/admin/incidents/new").get_data(as_text=True)
    assert "<legend>Affected components</legend>" in page
    assert page.count("Not affected") == 2


def test_an_incident_without_title_is_refused_and_nothing_is_written(as_manager, make_component):
    """Is an empty title refused with a message, the form kept, and no incident created?"""
    api = make_component("API")
    response = _open(as_manager, api, title="  ")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Title is required." in page
    assert "elevated error rates" in page  # what was typed is kept
    assert _count(Incident) == 0
    db.session.expire_all()
    assert db.session.get(Component, api.id).status == "operational"


def test_an_unknown_component_or_status_is_refused(as_manager, make_component):
    """Are a made-up component id and a made-up status both refused with 400?"""
    api = make_component("API")
    response = _open(as_manager, api, **{"component-9999": "major_outage"})
    assert response.status_code == 400
    assert "There is no component with id" in response.get_data(as_text=True)
    response = _open(as_manager, api, **{f"component-{api.id}": "on_fire"})
    assert response.status_code == 400
    assert "Component status must be one of" in response.get_data(as_text=True)
    response = _open(as_manager, api, impact="apocalyptic")
    assert response.status_code == 400
    assert "Impact must be one of" in response.get_data(as_text=True)
    assert _count(Incident) == 0


def test_updates_through_to_resolved_return_components_to_operational(as_manager, make_component):
    """Does resolving with the box ticked bring the affected components back?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    url = f"/admin/incidents/{incident.id}/updates"
    for status in ("identified", "monitoring"):
        response = as_manager.post(url, data={"status": status, "message": f"Now {status}."})
        assert response.status_code == 302
    response = as_manager.post(
        url, data={"status": "resolved", "message": "All fixed.", "restore_components": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "resolved"
    assert db.session.get(Component, api.id).status == "operational"
    page = as_manager.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert page.index("All fixed.") < page.index("Now monitoring.") < page.index("Now identified.")


def test_resolving_without_the_box_leaves_components_as_they_are(as_manager, make_component):
    """Can a manager resolve an incident but keep a component marked down?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    as_manager.post(
        f"/admin/incidents/{incident.id}/updates",
        data={"status": "resolved", "message": "Resolved, API still degraded."},
    )
    db.session.expire_all()
    assert db.session.get(Component, api.id).status == "major_outage"


def test_an_update_can_change_a_components_status(as_manager, make_component):
    """Does a per-component select on the update form change that component?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    response = as_manager.post(
        f"/admin/incidents/{incident.id}/updates",
        data={
            "status": "identified",
            "message": "Partially back.",
            f"component-{api.id}": "partial_outage",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Component, api.id).status == "partial_outage"


def test_reopening_is_refused_without_the_checkbox(as_manager, make_component):
    """Is an update that would reopen a resolved incident refused unless asked for?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    url = f"/admin/incidents/{incident.id}/updates"
    as_manager.post(
        url, data={"status": "resolved", "message": "Fixed.", "restore_components": "y"}
    )
    response = as_manager.post(url, data={"status": "investigating", "message": "Back again."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "would reopen it" in page
    assert "Reopen the incident" in page
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "resolved"
    assert _count(IncidentUpdate) == 2

    response = as_manager.post(
        url, data={"status": "investigating", "message": "Back again.", "reopen": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "investigating"


def test_an_empty_update_is_refused(as_manager, make_component):
    """Is an update without a message refused, keeping the chosen status?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    response = as_manager.post(
        f"/admin/incidents/{incident.id}/updates", data={"status": "identified", "message": ""}
    )
    assert response.status_code == 400
    assert "Message is required." in response.get_data(as_text=True)
    assert _count(IncidentUpdate) == 1


def test_editing_an_update_keeps_the_earlier_text(as_manager, make_component):
    """Does editing an update's text show "edited" and keep the earlier version?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    update = incident.updates[0]
    url = f"/admin/incidents/{incident.id}/updates/{update.id}/edit"
    assert "elevated error rates" in as_manager.get(url).get_data(as_text=True)
    response = as_manager.post(url, data={"message": "We are looking into API timeouts."})
    assert response.status_code == 302
    page = as_manager.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert "API timeouts" in page
    assert "edited" in page
    assert "Earlier versions (1)" in page
    assert "elevated error rates" in page
    assert as_manager.post(url, data={"message": ""}).status_code == 400


def test_title_and_impact_can_be_edited(as_manager, make_component):
    """Can a manager fix a typo in the title and lower the impact?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    url = f"/admin/incidents/{incident.id}/edit"
    response = as_manager.post(url, data={"title": "API timeouts", "impact": "minor"})
    assert response.status_code == 302
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert (incident.name, incident.impact) == ("API timeouts", "minor")
    response = as_manager.post(url, data={"title": "x" * 201, "impact": "minor"})
    assert response.status_code == 400
    assert "too long" in response.get_data(as_text=True)


def _backfill(browser, api, rows, **extra):
    data = {"title": "Night outage", "impact": "major", f"component-{api.id}": "major_outage"}
    for index, (status, at, message) in enumerate(rows):
        data[f"updates-{index}-status"] = status
        data[f"updates-{index}-at"] = at
        data[f"updates-{index}-message"] = message
    data.update(extra)
    return browser.post("/admin/incidents/backfill", data=data)


def test_a_past_incident_is_recorded_with_its_times(as_manager, make_component):
    """Can a manager record yesterday's outage with the times it happened?"""
    api = make_component("API")
    yesterday = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")
    response = _backfill(
        as_manager,
        api,
        [
            ("investigating", f"{yesterday}T02:00", "Errors seen."),
            ("resolved", f"{yesterday}T03:30", "Fixed."),
            ("investigating", "", ""),  # an empty row is ignored
        ],
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    incident = _incident()
    assert incident.status == "resolved"
    assert incident.started_at.strftime("%Y-%m-%dT%H:%M") == f"{yesterday}T02:00"
    assert len(incident.updates) == 2
    db.session.expire_all()
    assert db.session.get(Component, api.id).status == "operational"


def test_a_past_incident_ending_before_it_starts_is_refused(as_manager, make_component):
    """Is a backfill whose last update is earlier than the first refused, writing nothing?"""
    api = make_component("API")
    day = (utcnow() - timedelta(days=2)).strftime("%Y-%m-%d")
    response = _backfill(
        as_manager,
        api,
        [("investigating", f"{day}T05:00", "Start."), ("resolved", f"{day}T04:00", "End.")],
    )
    assert response.status_code == 400
    assert "earlier than the one before it" in response.get_data(as_text=True)
    assert _count(Incident) == 0


def _yesterday_rows() -> list[tuple[str, str, str]]:
    yesterday = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")
    return [
        ("investigating", f"{yesterday}T02:00", "Errors seen."),
        ("resolved", f"{yesterday}T03:30", "Fixed."),
    ]


def test_a_past_incident_is_classified_like_a_new_one(as_manager, manager_user, make_component):
    """Can a manager give a past incident its internal impact, urgency and owner, and see
    the priority the matrix gives, as on the new-incident form?"""
    api = make_component("API")
    form = as_manager.get("/admin/incidents/backfill").get_data(as_text=True)
    assert 'name="internal_impact"' in form and 'name="urgency"' in form
    assert "manager@example.com" in form  # offered as owner
    response = _backfill(
        as_manager,
        api,
        _yesterday_rows(),
        internal_impact="significant",
        urgency="high",
        owner=str(manager_user.id),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    incident = _incident()
    assert (incident.internal_impact, incident.urgency, incident.priority) == (
        "significant",
        "high",
        "p2",
    )
    assert incident.owner_id == manager_user.id
    page = as_manager.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert ">P2<" in page and "Owner manager@example.com" in page
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident.backfill")
    ).one()
    assert event.details["priority"] == "p2"


def test_a_past_incident_left_unclassified_has_no_priority(as_manager, make_component):
    """Left empty, the classification fields record a past incident without a priority."""
    api = make_component("API")
    assert _backfill(as_manager, api, _yesterday_rows()).status_code == 302
    incident = _incident()
    assert (incident.internal_impact, incident.urgency, incident.priority) == (None, None, None)
    assert incident.owner_id is None


def test_a_past_incident_with_a_bad_classification_is_refused(as_manager, make_component):
    """An unknown urgency or an owner who may not own: a 400 naming it, nothing recorded."""
    api = make_component("API")
    refused = _backfill(as_manager, api, _yesterday_rows(), urgency="yesterday")
    assert refused.status_code == 400
    assert "Urgency must be one of: critical, high, medium, low." in refused.get_data(as_text=True)
    bad_owner = _backfill(as_manager, api, _yesterday_rows(), owner="999")
    assert bad_owner.status_code == 400
    assert "The owner must be an active manager or admin." in bad_owner.get_data(as_text=True)
    assert _count(Incident) == 0


def test_a_past_incident_with_a_bad_date_is_refused(as_manager, make_component):
    """Is an unreadable date refused with a message naming the update?"""
    api = make_component("API")
    response = _backfill(
        as_manager,
        api,
        [("investigating", "yesterday-ish", "Start."), ("resolved", "2024-01-01T04:00", "End.")],
    )
    assert response.status_code == 400
    assert "Time of update 1" in response.get_data(as_text=True)
    response = _backfill(as_manager, api, [])
    assert response.status_code == 400
    assert "at least one update" in response.get_data(as_text=True)
    assert _count(Incident) == 0


def test_the_backfill_form_shows_the_time_zone(as_manager, make_component):
    """Does the backfill form say which time zone its times are in?"""
    make_component("API")
    page = as_manager.get("/admin/incidents/backfill").get_data(as_text=True)
    assert "Etc/UTC" in page
    assert 'type="datetime-local"' in page


def test_postmortem_draft_then_published(as_manager, make_component):
    """Does a postmortem stay a draft until published, and only after resolution?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    url = f"/admin/incidents/{incident.id}/postmortem"
    response = as_manager.post(url, data={"body": "Root cause: DNS.", "action": "draft"})
    assert response.status_code == 400
    assert "Resolve the incident" in response.get_data(as_text=True)

    as_manager.post(
        f"/admin/incidents/{incident.id}/updates", data={"status": "resolved", "message": "Ok."}
    )
    response = as_manager.post(url, data={"body": "Root cause: DNS.", "action": "draft"})
    assert response.status_code == 302
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident.postmortem_body == "Root cause: DNS."
    assert not incident.postmortem_published
    assert "Draft" in as_manager.get(url).get_data(as_text=True)

    response = as_manager.post(url, data={"body": "Root cause: DNS.", "action": "publish"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).postmortem_published
    assert "Published" in as_manager.get(url).get_data(as_text=True)
    assert as_manager.post(url, data={"body": "", "action": "publish"}).status_code == 400


def test_an_incident_opened_by_mistake_can_be_deleted(as_manager, make_component):
    """Does deleting ask first, then remove the incident?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    url = f"/admin/incidents/{incident.id}/delete"
    page = as_manager.get(url).get_data(as_text=True)
    assert "Delete the incident “API errors”?" in page
    assert _count(Incident) == 1
    response = as_manager.post(url)
    assert response.status_code == 302
    assert _count(Incident) == 0


def test_the_list_shows_active_incidents_before_resolved_ones(as_manager, make_component):
    """Are active incidents listed first, with pages for the rest?"""
    api = make_component("API")
    now = utcnow()
    incidents.open_incident(name="Old and active", impact="minor", message="m", now=now)
    done = incidents.open_incident(name="New but over", impact="minor", message="m", now=now)
    incidents.post_update(done, status="resolved", message="ok")
    page = as_manager.get("/admin/incidents").get_data(as_text=True)
    assert page.index("Old and active") < page.index("New but over")
    assert api.name  # components are not needed to list incidents


def test_bad_page_numbers_are_refused(as_manager):
    """Is ?page=abc a clear 400, and a page past the end a 404?"""
    response = as_manager.get("/admin/incidents?page=abc")
    assert response.status_code == 400
    assert "page number" in response.get_data(as_text=True)
    assert as_manager.get("/admin/incidents?page=0").status_code == 400
    assert as_manager.get("/admin/incidents?page=7").status_code == 404
    assert as_manager.get("/admin/incidents?page=1").status_code == 200


def test_unknown_incidents_and_updates_are_404(as_manager):
    """Do made-up ids answer 404 on every incident page?"""
    for url in (
        "/admin/incidents/999",
        "/admin/incidents/999/edit",
        "/admin/incidents/999/postmortem",
        "/admin/incidents/999/delete",
        "/admin/incidents/999/updates/1/edit",
    ):
        assert as_manager.get(url).status_code == 404, url
    assert as_manager.post("/admin/incidents/999/updates", data={}).status_code == 404


def test_a_form_without_its_csrf_token_is_refused(as_manager):
    """Is a POST without the CSRF token refused, writing nothing?"""
    response = as_manager.post(
        "/admin/incidents/new",
        data={"title": "x", "impact": "minor", "message": "m", "csrf_token": ""},
    )
    assert response.status_code == 400
    assert _count(Incident) == 0


def test_the_list_is_paginated(as_manager):
    """With more incidents than fit a page, does page 2 show the oldest ones?"""
    page = as_manager.get("/admin/incidents").get_data(as_text=True)
    assert "No active incidents" in page
    start = utcnow() - timedelta(days=30)
    for n in range(21):
        item = incidents.open_incident(
            name=f"Incident number {n:02d}",
            impact="minor",
            message="m",
            now=start + timedelta(hours=n),
        )
        incidents.post_update(item, status="resolved", message="ok")
    first = as_manager.get("/admin/incidents").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Incident number 20" in first
    assert "Incident number 00" not in first
    second = as_manager.get("/admin/incidents?page=2").get_data(as_text=True)
    assert "Incident number 00" in second
    assert "Incident number 20" not in second


def test_an_update_can_change_the_impact(as_manager, make_component, client):
    """Does posting “Identified” with impact Critical raise the incident, and the banner?"""
    api = make_component("API")
    _open(as_manager, api, **{f"component-{api.id}": ""})
    incident = _incident()
    page = as_manager.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    assert '<option selected value="major">' in page  # the current impact, preselected
    response = as_manager.post(
        f"/admin/incidents/{incident.id}/updates",
        data={"status": "identified", "impact": "critical", "message": "Worse than we thought."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).impact == "critical"
    assert "Major System Outage" in client.get("/").get_data(as_text=True)
    details = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "incident.update")
    ).all()
    assert details == [{"status": "identified", "impact": "critical"}]


def test_an_update_keeping_the_impact_does_not_record_it(as_manager, make_component):
    """Does an update that leaves the impact as it was keep it out of the audit event?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    response = as_manager.post(
        f"/admin/incidents/{incident.id}/updates",
        data={"status": "identified", "impact": "major", "message": "Found it."},
    )
    assert response.status_code == 302
    details = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "incident.update")
    ).all()
    assert details == [{"status": "identified"}]


def test_an_unknown_impact_on_an_update_is_refused(as_manager, make_component):
    """Is a made-up impact refused with a message, the form kept, and no update written?"""
    api = make_component("API")
    _open(as_manager, api)
    incident = _incident()
    response = as_manager.post(
        f"/admin/incidents/{incident.id}/updates",
        data={"status": "identified", "impact": "apocalyptic", "message": "Found it."},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Impact must be one of: none, minor, major, critical." in page
    assert "Found it." in page  # what was typed is kept
    assert _count(IncidentUpdate) == 1
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert (incident.status, incident.impact) == ("investigating", "major")
