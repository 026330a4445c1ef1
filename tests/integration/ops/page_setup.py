"""What configures a page beyond what it shows, written through the services; every
table's content read back in a shape two databases can compare; running the commands."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import select

from app.delivery.upstream import Summary, UpstreamComponent
from app.extensions import db
from app.models import Component, ComponentGroup, ComponentStatus, utcnow
from app.services import (
    alert_quiet,
    alert_rules,
    incident_templates,
    incidents,
    maintenance_series,
    page,
    page_images,
    priority,
    two_factor,
    upstream,
    users,
)
from tests.integration.ops.conftest import Databases

# Not page content, each for a reason docs/export-format.md gives: accounts and their
# secrets, subscribers (personal data with consent records), this install's own log,
# and work in progress or fetched state that the next run of the worker rebuilds.
NOT_CARRIED_TABLES = {
    "user",
    "recovery_code",
    "api_token",
    "idempotent_request",
    "audit_event",
    "subscriber",
    "subscription_target",
    "suppression",
    "notification",
    "delivery",
    "mirror_change",
    "worker_heartbeat",
    "alert_link",
    "upstream_report",
}
NOT_CARRIED_COLUMNS = {
    "page_settings": {"id", "version", "updated_at", "require_two_factor"},
    "incident": {"owner_id"},
    "incident_update": {"author_id"},
    "update_revision": {"editor_id"},
    "upstream_source": {
        "page_name",
        "etag",
        "listing",
        "next_poll_at",
        "failures",
        "last_error",
        "last_error_at",
        "last_ok_at",
    },
    "upstream_follow": {"upstream_status"},
}


def migrated(databases: Databases, url: str | None = None):
    """A new database of `databases`' kind, migrated, and an app on it."""
    app = databases.app(url)
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def run_cli(app, *args: str):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
    return result


def export_to(app, path: Path) -> dict:
    """`flask export path`, read back without its time of writing."""
    result = run_cli(app, "export", str(path))
    assert result.exit_code == 0, result.output + result.stderr
    document = json.loads(path.read_text())
    document.pop("exported_at")
    return document


def png(width: int, height: int, colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def configure_page() -> None:
    """Images, the matrix, a classified incident with an owner, templates, a recurring
    maintenance, an alert rule, an upstream follow and the settings added lately. Run after
    tests.integration.ops.site.build_page (it uses the API, Website and Billing components)."""
    named = {c.name: c for c in db.session.scalars(select(Component))}
    api, web, billing = named["API"], named["Website"], named["Billing"]
    page_images.update_images(
        uploads={"logo": png(120, 40, "navy"), "favicon": png(32, 32, "red")}, actor="test"
    )
    priority.save_matrix(
        {cell: p for cell, p in priority.DEFAULT_MATRIX.items()}
        | {("minor", "low"): "p4", ("extensive", "high"): "p1"},
        actor="test",
    )
    alert_quiet.set_quiet_minutes("30", actor="test")
    page.set_maintenance_counting(True, actor="test")
    owner = users.create_user(
        email="owner@example.com", password="correct horse battery staple", actor="test"
    )
    two_factor.set_required(True, actor="test")
    incidents.open_incident(
        name="Checkout failing",
        impact="major",
        message="Payments are refused.",
        internal_impact="extensive",
        urgency="high",
        owner_id=owner.id,
        actor="test",
    )
    incident_templates.create_template(
        name="Database slow",
        title="Slow database",
        body="Queries are slow; we are looking into it.",
        impact="minor",
        components={api.id: "degraded_performance", web.id: "partial_outage"},
        actor="test",
    )
    incident_templates.create_template(
        name="Still on it",
        kind="update",
        body="We are still working on it.",
        update_status="identified",
        notify=False,
        actor="test",
    )
    start = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    maintenance_series.create_series(
        name="Weekly patching",
        message="Servers restart one by one.",
        cadence="weekly",
        first_start=start,
        first_end=start + timedelta(hours=1),
        component_ids=[web.id, api.id],
        actor="test",
    )
    alert_rules.create_rule(
        label="service", value="api", component_id=api.id, status="major_outage", actor="test"
    )
    alert_rules.create_rule(
        label="team", value="web", component_id=web.id, status=None, actor="test"
    )
    upstream.follow(
        billing,
        url="https://status.vendor.test",
        upstream_component="pay1",
        vendor="Vendor Inc",
        summary=Summary(
            page_name="Vendor",
            components=[UpstreamComponent("pay1", "Payments", ComponentStatus.OPERATIONAL)],
            incidents=[],
        ),
        actor="test",
    )


def _natural_keys() -> dict[str, dict[int, str]]:
    """Ids another database may number differently, by the code that names them."""
    return {
        "component": dict(db.session.execute(select(Component.id, Component.code)).all()),
        "component_group": dict(
            db.session.execute(select(ComponentGroup.id, ComponentGroup.code)).all()
        ),
    }


def table_contents() -> dict[str, list]:
    """Every carried table's rows, sorted: surrogate ids left out, links to components and
    groups by code (incidents keep their ids in an import), values as the database gives
    them. Links between other rows are compared through the export."""
    keys = _natural_keys()
    contents = {}
    for table in db.metadata.sorted_tables:
        if table.name in NOT_CARRIED_TABLES:
            continue
        skipped = NOT_CARRIED_COLUMNS.get(table.name, set())
        rows = []
        for row in db.session.execute(table.select()).mappings():
            values = []
            for column in table.columns:
                if column.name in skipped or (column.primary_key and column.name == "id"):
                    continue
                values.append((column.name, _value(column, row[column.name], keys)))
            rows.append(tuple(values))
        contents[table.name] = sorted(rows, key=repr)
    return contents


def _value(column, value, keys):
    if column.name == "component_ids" and isinstance(value, list):
        return sorted(keys["component"].get(i, "gone") for i in value)
    for foreign in column.foreign_keys:
        target = foreign.column.table.name
        if target in keys:
            return keys[target].get(value) if value is not None else None
        if target != "incident":
            return value is not None  # linked or not; which row, the export says
    return value
