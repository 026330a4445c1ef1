"""Do the command-line tools do what the README promises, and explain failures?"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Component, Incident, User, utcnow
from app.services import maintenance


def test_create_admin_takes_the_password_from_the_environment(runner, monkeypatch):
    """Can an operator create an admin without a prompt, and log in with it?"""
    monkeypatch.setenv("HERALD_ADMIN_PASSWORD", "a long enough passphrase")
    result = runner.invoke(args=["create-admin", "Ops@Example.com"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "ops@example.com" and user.role == "admin"


def test_create_admin_refuses_a_short_password_and_says_why(runner, monkeypatch):
    """Does a weak password fail with a message, and create nobody?"""
    monkeypatch.setenv("HERALD_ADMIN_PASSWORD", "short")
    result = runner.invoke(args=["create-admin", "ops@example.com"])
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_seed_demo_fills_an_empty_site_once(runner):
    """Does seed-demo fill an empty page, and leave a filled one alone?"""
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(func.count(Component.id)))
    assert count > 0
    runner.invoke(args=["seed-demo"])
    assert db.session.scalar(select(func.count(Component.id))) == count


def test_tick_starts_due_maintenance_and_is_idempotent(runner, make_component):
    """Does `flask tick` start due maintenance, and a second run change nothing?"""
    component = make_component("Database")
    now = utcnow()
    maintenance.schedule_maintenance(
        name="Upgrade",
        message="Planned.",
        scheduled_for=now - timedelta(minutes=1),
        scheduled_until=now + timedelta(hours=1),
        component_ids=[component.id],
    )
    first = runner.invoke(args=["tick"])
    assert "started 1" in first.output
    second = runner.invoke(args=["tick"])
    assert "started 0, completed 0" in second.output
    db.session.expire_all()
    assert db.session.get(Component, component.id).status == "under_maintenance"
    assert db.session.scalar(select(Incident.status)) == "in_progress"


def test_reset_two_factor_lets_a_locked_out_admin_back_in(runner, admin_user):
    """Having lost my phone and my recovery codes as the only admin, can the operator turn
    my two-factor login off from the command line — audited, and with a clear refusal for
    an unknown email?"""
    from app.models import AuditEvent
    from tests.two_factor_helpers import turn_on

    turn_on(admin_user)
    result = runner.invoke(args=["reset-two-factor", "Admin@Example.com"])
    assert result.exit_code == 0, result.output
    assert "Two-factor login of admin@example.com is off" in result.output
    db.session.expire_all()
    assert not db.session.get(User, admin_user.id).two_factor_enabled
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "two_factor.reset"))
    assert event.actor_label == "cli"

    again = runner.invoke(args=["reset-two-factor", "admin@example.com"])
    assert again.exit_code != 0 and "no two-factor login to reset" in again.output
    unknown = runner.invoke(args=["reset-two-factor", "nobody@example.com"])
    assert unknown.exit_code != 0 and "No user has the email nobody@example.com." in unknown.output
