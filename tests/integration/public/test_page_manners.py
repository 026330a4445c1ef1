"""The status page reads cleanly: ungrouped components named, a status said once per card."""

from __future__ import annotations

from app.services import component_groups, incidents


def test_ungrouped_components_sit_under_other_components(app, client, make_component):
    """Among groups, are components without one listed under an “Other components” heading?"""
    core = component_groups.create_group(name="Core services", actor="test")
    make_component("Website")
    make_component("API", group_id=core.id)
    html = client.get("/").get_data(as_text=True)
    assert '<h3 class="others-heading">Other components</h3>' in html
    assert html.index("Core services") < html.index("Other components") < html.index("Website")
    # On a phone the bars span fewer days; every row says how many, Other components too.
    assert html.count('<span class="narrow-only"> days ago</span>') == 0
    assert html.count('days ago</span><span class="narrow-only">') == 2


def test_a_page_without_groups_has_no_other_components_heading(app, client, make_component):
    make_component("Website")
    assert "Other components" not in client.get("/").get_data(as_text=True)


def test_an_incident_card_says_its_status_once(app, client):
    """Does an active incident's card say “Investigating” once, not in its pill and again above
    the latest update?"""
    incidents.open_incident(name="Slow API", impact="minor", message="Looking into it.")
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('id="active-incidents"') : html.index('id="components"')]
    assert card.count("Investigating") == 1
    assert "Updated <time" in card
