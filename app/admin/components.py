"""Admin views: components and their groups — create, edit, order, status, delete."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app.admin import bp, current_actor
from app.admin.component_forms import ComponentForm, GroupForm, StatusForm
from app.admin.forms import saved, submit
from app.admin.parsers import direction
from app.models import Component, ComponentGroup
from app.services import component_groups as group_service
from app.services import components as service


@bp.get("/components")
def components():
    return _list_page()


def _list_page(errors=()):
    items = service.list_components()
    return render_template(
        "admin/components/list.html",
        groups=group_service.list_groups(),
        components=items,
        ungrouped=[c for c in items if c.group_id is None],
        errors=errors,
    )


def _form_page(form: ComponentForm, component: Component | None):
    return render_template("admin/components/form.html", form=form, component=component)


def _group_page(form: GroupForm, group: ComponentGroup | None):
    return render_template("admin/components/group_form.html", form=form, group=group)


def _listed(anchor: str):
    return url_for("admin.components", _anchor=anchor)


@bp.route("/components/new", methods=["GET", "POST"])
def component_new():
    form = ComponentForm(group_id=request.args.get("group"))
    form.offer_groups(group_service.list_groups())

    def save():
        component = service.create_component(
            **form.details(), status=form.status.data, actor=current_actor()
        )
        return saved(f"Component “{component.name}” created.", url_for("admin.components"))

    return submit(form, save, lambda: _form_page(form, None))


@bp.route("/components/<int:component_id>/edit", methods=["GET", "POST"])
def component_edit(component_id: int):
    component = service.get_component(component_id)
    form = ComponentForm(obj=component)
    form.offer_groups(group_service.list_groups())

    def save():
        service.update_component(
            component,
            **form.details(),
            showcase=component.showcase,
            only_show_if_degraded=component.only_show_if_degraded,
            actor=current_actor(),
        )
        return saved(f"Component “{component.name}” saved.", url_for("admin.components"))

    return submit(form, save, lambda: _form_page(form, component))


@bp.post("/components/<int:component_id>/status")
def component_status(component_id: int):
    component = service.get_component(component_id)
    form = StatusForm()

    def save():
        service.set_status(component, form.status.data, actor=current_actor())
        message = f"“{component.name}” is now {component.status.label}."
        return saved(message, _listed(f"component-{component.id}"))

    return submit(form, save, lambda: _list_page(form.messages))


@bp.post("/components/<int:component_id>/move")
def component_move(component_id: int):
    component = service.get_component(component_id)
    service.move_component(
        component, direction(request.form.get("direction")), actor=current_actor()
    )
    return redirect(_listed(f"component-{component.id}"))


@bp.route("/components/<int:component_id>/delete", methods=["GET", "POST"])
def component_delete(component_id: int):
    component = service.get_component(component_id)
    return _confirm_delete(
        "component",
        component.name,
        lambda: service.delete_component(component, actor=current_actor()),
        done=f"Component “{component.name}” deleted.",
    )


def _confirm_delete(what: str, name: str, delete, *, done: str, members=()):
    """GET asks for confirmation; POST deletes, says so, and returns to the list."""
    if request.method == "POST":
        delete()
        return saved(done, url_for("admin.components"))
    return render_template(
        "admin/components/delete.html",
        what=what,
        name=name,
        members=list(members),
        action=request.path,
    )


@bp.route("/groups/new", methods=["GET", "POST"])
def group_new():
    form = GroupForm()

    def save():
        group = group_service.create_group(
            name=form.name.data, description=form.description.data, actor=current_actor()
        )
        return saved(f"Group “{group.name}” created.", url_for("admin.components"))

    return submit(form, save, lambda: _group_page(form, None))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
def group_edit(group_id: int):
    group = group_service.get_group(group_id)
    form = GroupForm(obj=group)

    def save():
        group_service.update_group(
            group, name=form.name.data, description=form.description.data, actor=current_actor()
        )
        return saved(f"Group “{group.name}” saved.", url_for("admin.components"))

    return submit(form, save, lambda: _group_page(form, group))


@bp.post("/groups/<int:group_id>/move")
def group_move(group_id: int):
    group = group_service.get_group(group_id)
    group_service.move_group(group, direction(request.form.get("direction")), actor=current_actor())
    return redirect(_listed(f"group-{group.id}"))


@bp.route("/groups/<int:group_id>/delete", methods=["GET", "POST"])
def group_delete(group_id: int):
    group = group_service.get_group(group_id)
    return _confirm_delete(
        "group",
        group.name,
        lambda: group_service.delete_group(group, actor=current_actor()),
        done=f"Group “{group.name}” deleted; its components are now ungrouped.",
        members=[c.name for c in group.components],
    )
