"""The components page as a manager uses it: create, edit, order, status, groups, delete."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Component, ComponentGroup, ComponentStatusPeriod
from app.services import component_groups, components


def _names() -> list[str]:
    return [c.name for c in components.list_components()]


def test_a_manager_creates_a_component_with_a_group(as_manager):
    """Can a manager add a component with a description, in a group?"""
    group = component_groups.create_group(name="Core")
    response = as_manager.post(
        "/admin/components/new",
        data={
            "name": "API",
            "description": "The REST API.",
            "group_id": str(group.id),
            "status": "operational",
        },
    )
    assert response.status_code == 302
    page = as_manager.get("/admin/components").get_data(as_text=True)
    assert "API" in page
    assert "The REST API." in page
    assert "Core" in page
    component = db.session.scalars(select(Component)).one()
    assert component.group_id == group.id


def test_duplicate_names_are_refused(as_manager, make_component):
    """Is a second component with the same name refused with a clear 400?"""
    make_component("API")
    response = as_manager.post(
        "/admin/components/new", data={"name": "api", "status": "operational"}
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Component.id))) == 1


def test_empty_or_overlong_names_are_refused(as_manager):
    """Are an empty and an overlong name refused, nothing written?"""
    for name in ("", "x" * 101):
        response = as_manager.post(
            "/admin/components/new", data={"name": name, "status": "operational"}
        )
        assert response.status_code == 400
    assert db.session.scalar(select(func.count(Component.id))) == 0
    response = as_manager.post("/admin/components/new", data={"name": "API", "status": "exploded"})
    assert response.status_code == 400
    assert "Component status must be one of" in response.get_data(as_text=True)
    response = as_manager.post("/admin/components/new", data={"name": "API", "group_id": "77"})
    assert response.status_code == 400
    assert "No such component group" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Component.id))) == 0


def test_a_component_is_edited(as_manager, make_component):
    """Can a manager rename a component and clear its description?"""
    api = make_component("API", description="Old text")
    url = f"/admin/components/{api.id}/edit"
    assert "Old text" in as_manager.get(url).get_data(as_text=True)
    response = as_manager.post(url, data={"name": "Public API", "description": ""})
    assert response.status_code == 302
    db.session.expire_all()
    api = db.session.get(Component, api.id)
    assert (api.name, api.description) == ("Public API", None)
    make_component("Website")
    response = as_manager.post(url, data={"name": "Website"})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_status_is_changed_by_hand_with_a_status_period(as_manager, make_component):
    """Does setting a status by hand change it and record a new status period?"""
    api = make_component("API")
    response = as_manager.post(
        f"/admin/components/{api.id}/status", data={"status": "degraded_performance"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Component, api.id).status == "degraded_performance"
    periods = db.session.scalars(
        select(ComponentStatusPeriod).where(ComponentStatusPeriod.component_id == api.id)
    ).all()
    assert sorted(p.status for p in periods) == ["degraded_performance", "operational"]
    response = as_manager.post(f"/admin/components/{api.id}/status", data={"status": "meh"})
    assert response.status_code == 400
    assert "Component status must be one of" in response.get_data(as_text=True)


def test_components_move_up_and_down(as_manager, make_component):
    """Do the up and down buttons reorder components?"""
    first, second, third = (make_component(n) for n in ("A", "B", "C"))
    as_manager.post(f"/admin/components/{third.id}/move", data={"direction": "up"})
    assert _names() == ["A", "C", "B"]
    as_manager.post(f"/admin/components/{first.id}/move", data={"direction": "down"})
    assert _names() == ["C", "A", "B"]
    as_manager.post(f"/admin/components/{first.id}/move", data={"direction": "down"})
    as_manager.post(f"/admin/components/{first.id}/move", data={"direction": "down"})
    assert _names() == ["C", "B", "A"]
    response = as_manager.post(f"/admin/components/{second.id}/move", data={"direction": "left"})
    assert response.status_code == 400


def test_moving_stays_within_the_group(as_manager, make_component):
    """Does moving a grouped component swap it with its neighbour in the same group?"""
    group = component_groups.create_group(name="Core")
    make_component("A", group_id=group.id)
    make_component("Loose")
    c = make_component("C", group_id=group.id)
    as_manager.post(f"/admin/components/{c.id}/move", data={"direction": "up"})
    assert _names() == ["C", "Loose", "A"]


def test_a_component_is_deleted_after_confirmation(as_manager, make_component):
    """Does delete ask first, then remove the component?"""
    api = make_component("API")
    url = f"/admin/components/{api.id}/delete"
    page = as_manager.get(url).get_data(as_text=True)
    assert "Delete the component “API”?" in page
    assert db.session.scalar(select(func.count(Component.id))) == 1
    assert as_manager.post(url).status_code == 302
    assert db.session.scalar(select(func.count(Component.id))) == 0


def test_groups_are_created_renamed_reordered_and_deleted(as_manager, make_component):
    """Can a manager manage groups, and does deleting one keep its components?"""
    response = as_manager.post("/admin/groups/new", data={"name": "Core"})
    assert response.status_code == 302
    as_manager.post("/admin/groups/new", data={"name": "Edge"})
    assert as_manager.post("/admin/groups/new", data={"name": "core"}).status_code == 400
    core, edge = component_groups.list_groups()
    as_manager.post(f"/admin/groups/{edge.id}/move", data={"direction": "up"})
    assert [g.name for g in component_groups.list_groups()] == ["Edge", "Core"]
    response = as_manager.post(f"/admin/groups/{core.id}/edit", data={"name": "Backend"})
    assert response.status_code == 302
    api = make_component("API", group_id=core.id)
    assert "API" in as_manager.get(f"/admin/groups/{core.id}/delete").get_data(as_text=True)
    assert as_manager.post(f"/admin/groups/{core.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(ComponentGroup, core.id) is None
    assert db.session.get(Component, api.id).group_id is None


def test_unknown_components_and_groups_are_404(as_manager):
    """Do made-up ids answer 404?"""
    for url in ("/admin/components/9/edit", "/admin/components/9/delete", "/admin/groups/9/edit"):
        assert as_manager.get(url).status_code == 404, url
    for url in ("/admin/components/9/status", "/admin/components/9/move", "/admin/groups/9/move"):
        assert as_manager.post(url, data={"direction": "up"}).status_code == 404, url
