"""Many managers at once against a real server (gunicorn, 2 workers), on each database.

Each round lines up conflicting requests behind a barrier, sends them together, and then
checks what a user would notice: an incident reopened although nobody ticked the box,
a `resolved_at` that disagrees with the status, a component with two current statuses
(uptime counted twice), a maintenance "in progress" whose window moved a week ahead, an
admin-less site, two components in one position, or a server error.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Component, ComponentGroup, ComponentStatusPeriod, Incident, User, utcnow
from app.services import component_groups, components, incidents, maintenance, users
from tests.integration.races.conftest import ADMINS

# Success redirects; a refusal says why (400, 403 for a demoted admin, 409); 503 is the
# clear "busy, nothing saved" answer once retries run out. Never a 500.
ANSWERS = {302, 400, 403, 409, 503}


def _assert_answered(answers) -> None:
    statuses = [a.status for a in answers if a is not None]
    assert set(statuses) <= ANSWERS, statuses


def _assert_periods_consistent(component_ids) -> None:
    """One current status per component, matching its periods, which neither gap nor overlap."""
    for component_id in component_ids:
        component = db.session.get(Component, component_id)
        rows = db.session.scalars(
            select(ComponentStatusPeriod)
            .where(ComponentStatusPeriod.component_id == component_id)
            .order_by(ComponentStatusPeriod.started_at, ComponentStatusPeriod.id)
        ).all()
        current = [p for p in rows if p.ended_at is None]
        assert len(current) == 1, f"{component.name} has {len(current)} open status periods"
        assert rows[-1] is current[0] and current[0].status == component.status
        for earlier, later in zip(rows, rows[1:], strict=False):
            assert earlier.ended_at == later.started_at, f"{component.name}: gap or overlap"


def _assert_incident_consistent(incident_id: int) -> None:
    incident = db.session.get(Incident, incident_id)
    assert (incident.resolved_at is not None) == (incident.status == "resolved")
    statuses = [u.status for u in sorted(incident.updates, key=lambda u: u.id)]
    if "resolved" in statuses:
        after = statuses[statuses.index("resolved") :]
        assert set(after) == {"resolved"}, f"reopened without the box: {statuses}"


def test_racing_updates_never_reopen_an_incident_nor_split_a_components_status(site):
    """When managers post to one incident at the same moment — some resolving it, some
    still investigating, some setting component statuses by hand — does the incident stay
    resolved unless someone ticks Reopen, and does every component keep one status?"""
    with site.app.app_context():
        parts = [components.create_component(name=f"Race part {n}").id for n in range(3)]
    clients = site.managers(12)
    told = []
    for round_ in range(5):
        with site.app.app_context():
            incident_id = incidents.open_incident(
                name=f"Race {round_}",
                impact="major",
                message="Down.",
                status="identified",
                components={cid: "major_outage" for cid in parts},
                actor="test",
            ).id
        url = f"/admin/incidents/{incident_id}/updates"
        resolve = {"status": "resolved", "message": "Fixed.", "restore_components": "y"}
        requests = []
        for n, client in enumerate(clients):
            part = parts[n % len(parts)]
            if n % 4 == 0:
                requests.append((client, url, resolve))
            elif n % 4 == 1:
                found = {"status": "identified", "message": "Found."}
                requests.append((client, url, {**found, f"component-{part}": "partial_outage"}))
            elif n % 4 == 2:
                requests.append((client, url, {"status": "monitoring", "message": "Watching."}))
            else:
                status = "degraded_performance" if n % 8 == 3 else "major_outage"
                requests.append((client, f"/admin/components/{part}/status", {"status": status}))
        answers = site.race(
            "incident updates + component statuses",
            [lambda c=c, u=u, d=d: c.post(u, d) for c, u, d in requests],
        )
        _assert_answered(answers)
        for (_, _, data), answer in zip(requests, answers, strict=True):
            if data.get("status") in ("identified", "monitoring") and answer.status == 400:
                assert "Reopen the incident" in answer.text
                assert "was resolved" in answer.text and "by manager" in answer.text
                told.append(answer)
        with site.app.app_context():
            _assert_incident_consistent(incident_id)
            _assert_periods_consistent(parts)
    # Some update came after a resolution in these rounds, and its author was told why.
    assert told


def test_managers_setting_one_components_status_at_once_leave_one_current_status(site):
    """When several managers change the same component's status at the same moment, does it
    end with exactly one current status and an unbroken history?"""
    with site.app.app_context():
        target = components.create_component(name="Race target").id
    clients = site.managers(8)
    statuses = ["major_outage", "partial_outage", "degraded_performance", "operational"]
    for _ in range(4):
        answers = site.race(
            "component status",
            [
                lambda c=c, s=s: c.post(f"/admin/components/{target}/status", {"status": s})
                for c, s in zip(clients, statuses * 2, strict=True)
            ],
        )
        _assert_answered(answers)
        assert all(a.status == 302 for a in answers), [a.status for a in answers]
        with site.app.app_context():
            _assert_periods_consistent([target])


def test_rescheduling_while_the_tick_starts_the_maintenance(site):
    """If I move a maintenance window at the moment it starts, is it either started on time
    or moved — never "in progress" with its window a week ahead, its component stuck?"""
    with site.app.app_context():
        target = components.create_component(name="Race maintenance target").id
    clients = site.managers(3)

    def tick():
        with site.app.app_context():
            maintenance.tick()

    for round_ in range(6):
        now = utcnow()
        with site.app.app_context():
            planned = maintenance.schedule_maintenance(
                name=f"Window {round_}",
                message="Planned.",
                scheduled_for=now - timedelta(seconds=1),
                scheduled_until=now + timedelta(hours=1),
                component_ids=[target],
            ).id
        week = now + timedelta(days=7)
        form = {
            "starts": week.strftime("%Y-%m-%dT%H:%M"),
            "ends": (week + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        }
        url = f"/admin/maintenance/{planned}/reschedule"
        answers = site.race(
            "reschedule vs tick",
            [tick, *[lambda c=c, u=url, f=form: c.post(u, f) for c in clients]],
        )
        _assert_answered(answers)
        with site.app.app_context():
            item = db.session.get(Incident, planned)
            moved = item.scheduled_for > now + timedelta(days=1)
            assert item.status in ("scheduled", "in_progress")
            assert not (item.status == "in_progress" and moved), "started with its window moved"
            assert moved == (item.status == "scheduled")
            component = db.session.get(Component, target)
            assert (component.status == "under_maintenance") == (item.status == "in_progress")
            _assert_periods_consistent([target])
            for answer in answers:
                if answer is not None and answer.status == 400:
                    assert "started" in answer.text
            if item.status == "in_progress":
                maintenance.post_maintenance_update(item, status="completed", message="Done.")


def test_two_admins_demoting_each_other_at_once_leave_an_admin(site):
    """If the only two admins make each other managers at the same moment, is one refused,
    so the site keeps an admin?"""
    first, second = site.admin(ADMINS[0]), site.admin(ADMINS[1])
    with site.app.app_context():
        ids = [users.find_by_email(email).id for email in ADMINS]
    for _ in range(3):
        answers = site.race(
            "role changes",
            [
                lambda: first.post(f"/admin/users/{ids[1]}/role", {"role": "manager"}),
                lambda: second.post(f"/admin/users/{ids[0]}/role", {"role": "manager"}),
            ],
        )
        _assert_answered(answers)
        with site.app.app_context():
            admins = db.session.scalar(
                select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))
            )
            assert admins >= 1
            for user_id in ids:
                users.set_role(users.get_user(user_id), "admin", actor="test")


def test_moving_components_and_groups_at_once_keeps_one_position_each(site):
    """When managers reorder components and groups at the same moment, does every component
    and every group still have a place of its own?"""
    with site.app.app_context():
        groups = [component_groups.create_group(name=f"Race group {n}").id for n in range(3)]
        moved = [
            components.create_component(name=f"Race move {n}", group_id=groups[n % 2]).id
            for n in range(5)
        ]
    clients = site.managers(10)
    for _ in range(3):
        requests = []
        for n, client in enumerate(clients):
            direction = "up" if n % 2 else "down"
            if n < 7:
                url = f"/admin/components/{moved[n % len(moved)]}/move"
            else:
                url = f"/admin/groups/{groups[n % len(groups)]}/move"
            requests.append((client, url, {"direction": direction}))
        answers = site.race("moves", [lambda c=c, u=u, d=d: c.post(u, d) for c, u, d in requests])
        _assert_answered(answers)
        with site.app.app_context():
            for model in (Component, ComponentGroup):
                positions = db.session.scalars(select(model.position)).all()
                assert len(set(positions)) == len(positions), f"{model.__name__}: {positions}"


def test_ticks_at_once_create_each_recurring_occurrence_once(site):
    """If four workers tick at the same moment, does each week's occurrence of a recurring
    maintenance exist once, with no tick failing?"""
    from app.models import MaintenanceOccurrence, MaintenanceSeries

    for round_ in range(3):
        now = utcnow()
        with site.app.app_context():
            series = MaintenanceSeries(
                name=f"Weekly {round_}",
                message="Patching.",
                cadence="weekly",
                first_start=now + timedelta(hours=1),
                duration_minutes=60,
                time_zone="Etc/UTC",
                component_ids=[],
            )
            db.session.add(series)
            db.session.commit()
            series_id = series.id
        failures = []

        def tick(failures=failures):
            with site.app.app_context():
                try:
                    maintenance.tick()
                except Exception as exc:  # noqa: BLE001 - a failing tick is what we look for
                    failures.append(exc)

        site.race("ticks planning at once", [tick] * 4)
        assert failures == []
        with site.app.app_context():
            starts = db.session.scalars(
                select(MaintenanceOccurrence.starts_at).where(
                    MaintenanceOccurrence.series_id == series_id
                )
            ).all()
        assert len(starts) == 2 == len(set(starts))
