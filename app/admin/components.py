"""Admin views: components and their groups — create, edit, order, status, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.incident_forms import (
    ComponentForm,
    GroupForm,
    add_error,
    choices,
    failure_status,
    optional_int,
)
from app.services import components as service
from app.services.errors import ServiceError


def _actor():
    return current_user._get_current_object()


def _direction() -> int:
    direction = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if direction is None:
        abort(400, "Direction must be up or down.")
    return direction


@bp.get("/components")
def components():
    return _list_page()


def _list_page(error: str | None = None):
    items = service.list_components()
    return render_template(
        "admin/components/list.html",
        groups=service.list_groups(),
        components=items,
        ungrouped=[c for c in items if c.group_id is None],
        error=error,
    )


def _group_choices(form: ComponentForm) -> None:
    groups = [(str(g.id), g.name) for g in service.list_groups()]
    form.group_id.choices = choices([("", "No group"), *groups])


@bp.route("/components/new", methods=["GET", "POST"])
def component_new():
    form = ComponentForm()
    _group_choices(form)
    if form.is_submitted():
        if form.validate():
            try:
                component = service.create_component(
                    name=form.name.data,
                    description=form.description.data,
                    group_id=optional_int(form.group_id.data, "group"),
                    status=form.status.data,
                    actor=_actor(),
                )
            except ServiceError as exc:
                add_error(form, exc.message, exc.field)
                return _form_page(form, None), failure_status(exc)
            flash(f"Component “{component.name}” created.", "success")
            return redirect(url_for("admin.components"))
        return _form_page(form, None), 400
    if request.args.get("group"):
        form.group_id.data = request.args["group"]
    return _form_page(form, None)


def _form_page(form, component):
    return render_template("admin/components/form.html", form=form, component=component)


@bp.route("/components/<int:component_id>/edit", methods=["GET", "POST"])
def component_edit(component_id: int):
    component = service.get_component(component_id)
    form = ComponentForm(obj=None if request.method == "POST" else component)
    _group_choices(form)
    if form.is_submitted():
        if form.validate():
            try:
                service.update_component(
                    component,
                    name=form.name.data,
                    description=form.description.data,
                    group_id=optional_int(form.group_id.data, "group"),
                    showcase=component.showcase,
                    only_show_if_degraded=component.only_show_if_degraded,
                    actor=_actor(),
                )
            except ServiceError as exc:
                add_error(form, exc.message, exc.field)
                return _form_page(form, service.get_component(component_id)), failure_status(exc)
            flash(f"Component “{component.name}” saved.", "success")
            return redirect(url_for("admin.components"))
        return _form_page(form, component), 400
    form.group_id.data = str(component.group_id or "")
    return _form_page(form, component)


@bp.post("/components/<int:component_id>/status")
def component_status(component_id: int):
    component = service.get_component(component_id)
    try:
        service.set_status(component, request.form.get("status", ""), actor=_actor())
    except ServiceError as exc:
        return _list_page(exc.message), failure_status(exc)
    flash(f"“{component.name}” is now {component.status.label}.", "success")
    return redirect(url_for("admin.components", _anchor=f"component-{component.id}"))


@bp.post("/components/<int:component_id>/move")
def component_move(component_id: int):
    component = service.get_component(component_id)
    service.move_component(component, _direction(), actor=_actor())
    return redirect(url_for("admin.components", _anchor=f"component-{component.id}"))


@bp.route("/components/<int:component_id>/delete", methods=["GET", "POST"])
def component_delete(component_id: int):
    component = service.get_component(component_id)
    return _confirm_delete(
        "component",
        component.name,
        lambda: service.delete_component(component, actor=_actor()),
        done=f"Component “{component.name}” deleted.",
    )


def _confirm_delete(what: str, name: str, delete, *, done: str, members=()):
    """GET asks for confirmation; POST deletes, says so, and returns to the list."""
    if request.method == "POST":
        delete()
        flash(done, "success")
        return redirect(url_for("admin.components"))
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
    if form.is_submitted():
        if form.validate():
            try:
                group = service.create_group(
                    name=form.name.data, description=form.description.data, actor=_actor()
                )
            except ServiceError as exc:
                add_error(form, exc.message, exc.field)
                return _group_page(form, None), failure_status(exc)
            flash(f"Group “{group.name}” created.", "success")
            return redirect(url_for("admin.components"))
        return _group_page(form, None), 400
    return _group_page(form, None)


def _group_page(form, group):
    return render_template("admin/components/group_form.html", form=form, group=group)


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
def group_edit(group_id: int):
    group = service.get_group(group_id)
    form = GroupForm(obj=None if request.method == "POST" else group)
    if form.is_submitted():
        if form.validate():
            try:
                service.update_group(
                    group, name=form.name.data, description=form.description.data, actor=_actor()
                )
            except ServiceError as exc:
                add_error(form, exc.message, exc.field)
                return _group_page(form, service.get_group(group_id)), failure_status(exc)
            flash(f"Group “{group.name}” saved.", "success")
            return redirect(url_for("admin.components"))
        return _group_page(form, group), 400
    return _group_page(form, group)


@bp.post("/groups/<int:group_id>/move")
def group_move(group_id: int):
    group = service.get_group(group_id)
    service.move_group(group, _direction(), actor=_actor())
    return redirect(url_for("admin.components", _anchor=f"group-{group.id}"))


@bp.route("/groups/<int:group_id>/delete", methods=["GET", "POST"])
def group_delete(group_id: int):
    group = service.get_group(group_id)
    return _confirm_delete(
        "group",
        group.name,
        lambda: service.delete_group(group, actor=_actor()),
        done=f"Group “{group.name}” deleted; its components are now ungrouped.",
        members=[c.name for c in group.components],
    )
