"""`flask import` of what configures a page (schema version 2): do older exports still
import, is every bad value in the new sections named with nothing written, and does a merge
add only what is missing?"""

from __future__ import annotations

import base64
import copy
import json

from app.extensions import db
from app.services import incidents
from tests.conftest import ROOT
from tests.integration.ops.page_setup import (
    configure_page,
    export_to,
    migrated,
    png,
    run_cli,
    table_contents,
)
from tests.integration.ops.site import build_page

# Written by `flask export` before schema version 2 (Herald 0.1.0, 2026-11).
VERSION_1 = ROOT / "tests" / "fixtures" / "herald-page-v1.json"
ADDED_IN_2 = (
    "images",
    "priority_matrix",
    "incident_templates",
    "maintenance_series",
    "alert_rules",
    "upstream_follows",
)


def _as_version_1(document: dict) -> dict:
    """A schema-2 export with what version 2 added taken out."""
    older = {key: value for key, value in document.items() if key not in ADDED_IN_2}
    older["schema_version"] = 1
    older["settings"] = {k: v for k, v in older["settings"].items() if k != "alert_quiet_minutes"}
    for key in ("incidents", "maintenance"):
        older[key] = [
            {k: v for k, v in item.items() if k not in ("internal_impact", "urgency", "priority")}
            for item in older[key]
        ]
    return older


def test_an_export_from_before_version_2_still_imports(databases, tmp_path):
    """A file written by the Herald of last month: is all it holds imported, the things it
    could not hold left empty?"""
    older = json.loads(VERSION_1.read_text())
    assert older["schema_version"] == 1
    target = migrated(databases)
    result = run_cli(target, "import", str(VERSION_1))
    assert result.exit_code == 0, result.stderr
    assert "Imported 1 component group, 3 components, 2 incidents, 1 maintenance." in (
        result.output
    )
    document = export_to(target, tmp_path / "now.json")
    assert document["schema_version"] == 2
    assert all(not document[key] for key in ADDED_IN_2)
    assert document["settings"]["alert_quiet_minutes"] is None
    older.pop("exported_at")
    older.pop("generator")
    document.pop("generator")
    assert _as_version_1(document) == older


def _named(document: dict, key: str, name: str) -> int:
    return next(i for i, item in enumerate(document[key]) if item["name"] == name)


def _spoils(document: dict) -> list[tuple[callable, str]]:
    checkout = _named(document, "incidents", "Checkout failing")
    template = _named(document, "incident_templates", "Database slow")
    return [
        (
            lambda d: d["images"]["logo"].update(data="not base64!"),
            "images.logo.data: is not valid base64",
        ),
        (
            lambda d: d["images"]["favicon"].update(data=base64.b64encode(b"Hello.").decode()),
            "images.favicon.data: the favicon must be a PNG, JPEG, WebP or ICO image",
        ),
        (
            lambda d: d["images"]["favicon"].update(data=base64.b64encode(b"<svg>").decode()),
            "images.favicon.data: SVG images are not accepted",
        ),
        (
            lambda d: d["images"]["logo"].update(content_type="image/jpeg"),
            "images.logo.content_type: says image/jpeg, but the data is image/png.",
        ),
        (
            lambda d: d["images"]["logo"].update(
                data=base64.b64encode(png(3000, 10, "red")).decode()
            ),
            "images.logo.data: the logo is 3000×10 pixels; at most 2048×2048.",
        ),
        (
            lambda d: d["images"]["logo"].update(data=123),
            "images.logo.data: must be a base64 string.",
        ),
        (
            lambda d: d["images"].update(banner=d["images"]["logo"]),
            "images.banner: the images are logo and favicon.",
        ),
        (
            lambda d: d["settings"].update(alert_quiet_minutes=-5),
            "settings.alert_quiet_minutes: the quiet period is a whole number of minutes",
        ),
        (
            lambda d: d["priority_matrix"][3].update(priority="p9"),
            "priority_matrix[3].priority: must be one of p1, p2, p3, p4, p5 (not 'p9')",
        ),
        (
            lambda d: d["incidents"][checkout].update(urgency="soon"),
            f"incidents[{checkout}].urgency: must be one of critical, high, medium, low",
        ),
        (
            lambda d: d["incidents"][checkout].update(urgency=None),
            f"incidents[{checkout}].priority: a priority needs internal_impact and urgency.",
        ),
        (
            lambda d: d["priority_matrix"].append(dict(d["priority_matrix"][0])),
            "priority_matrix[16]: a second cell for",
        ),
        (
            lambda d: d["incident_templates"][template]["components"].append(
                dict(d["incident_templates"][template]["components"][0])
            ),
            f"incident_templates[{template}].components[2].code: ",
        ),
        (
            lambda d: d["incident_templates"][template]["components"][1].update(code="nosuch"),
            f"incident_templates[{template}].components[1].code: no component has the code nosuch.",
        ),
        (
            lambda d: d["maintenance_series"][0]["occurrences"][1].update(maintenance=999),
            "maintenance_series[0].occurrences[1].maintenance: no maintenance in this file has "
            "the id 999.",
        ),
        (
            lambda d: d["maintenance_series"][0].update(duration_minutes="60"),
            "maintenance_series[0].duration_minutes: must be a whole number",
        ),
        (
            lambda d: d["maintenance_series"][0]["components"].append("nosuch"),
            "maintenance_series[0].components[2]: no component has the code nosuch.",
        ),
        (
            lambda d: d["alert_rules"][1].update(component="nosuch"),
            "alert_rules[1].component: no component has the code nosuch.",
        ),
        (
            lambda d: d["upstream_follows"][0].update(url="ftp://status.vendor.test"),
            "upstream_follows[0].url: the URL must start with https://",
        ),
    ]


def test_a_bad_value_in_the_new_sections_is_named_and_nothing_is_imported(databases, tmp_path):
    """Bad base64, an image that is none, a reference to a component or maintenance the file
    does not have, a wrong type: does each say where it is, and leave the page empty?"""
    source = migrated(databases)
    with source.app_context():
        build_page(incident_count=2)
        configure_page()
        db.session.remove()
    document = export_to(source, tmp_path / "page.json")
    target = migrated(databases)
    with target.app_context():
        empty = table_contents()
        db.session.remove()
    assert not any(rows for name, rows in empty.items() if name != "page_settings")
    for spoil, message in _spoils(document):
        spoiled = copy.deepcopy(document)
        spoil(spoiled)
        (tmp_path / "bad.json").write_text(json.dumps(spoiled))
        result = run_cli(target, "import", str(tmp_path / "bad.json"))
        assert result.exit_code == 1, message
        assert message in result.stderr, result.stderr
        assert "Nothing was imported." in result.stderr
        with target.app_context():
            assert table_contents() == empty, message
            db.session.remove()


def test_a_merge_adds_the_missing_configuration_once(databases, tmp_path):
    """Merging a configured page into one with content: are its templates, recurring
    maintenance, alert rules and follows added, the settings, images and matrix kept, and
    does a second merge add nothing?"""
    source = migrated(databases)
    with source.app_context():
        build_page(incident_count=1)
        configure_page()
        db.session.remove()
    export_to(source, tmp_path / "page.json")
    target = migrated(databases)
    with target.app_context():
        incidents.open_incident(name="Only here", impact="minor", message="Local.")
        db.session.remove()
    merged = run_cli(target, "import", "--merge", str(tmp_path / "page.json"))
    assert merged.exit_code == 0, merged.stderr
    assert "2 incident templates, 1 maintenance series, 2 alert rules, 1 upstream follow" in (
        merged.output
    )
    assert "Page settings left as they are" in merged.output
    after = export_to(target, tmp_path / "after.json")
    assert after["images"] == {} and after["priority_matrix"] == []
    assert after["settings"]["alert_quiet_minutes"] is None
    again = run_cli(target, "import", "--merge", str(tmp_path / "page.json"))
    assert "Imported nothing new." in again.output, again.output
    assert "2 incident templates, 1 maintenance series, 2 alert rules, 1 upstream follow" in (
        again.output
    )
