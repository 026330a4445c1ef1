"""Admin views: incident templates — list, create, edit, delete (after confirming)."""

from __future__ import annotations

from flask import render_template, request, url_for

from app.admin import bp, current_actor
from app.admin.forms import saved, submit
from app.admin.template_forms import TemplateForm
from app.models import IncidentTemplate, TemplateKind
from app.services import components as component_service
from app.services import incident_templates as service


@bp.get("/templates")
def template_list():
    templates = service.list_templates()
    return render_template(
        "admin/incident_templates/list.html",
        groups=[(kind, [t for t in templates if t.kind == kind]) for kind in TemplateKind],
        names={c.id: c.name for c in component_service.list_components()},
    )


def _form_page(form: TemplateForm, template: IncidentTemplate | None, components):
    return render_template(
        "admin/incident_templates/form.html",
        form=form,
        template=template,
        groups=component_service.grouped(components),
    )


@bp.route("/templates/new", methods=["GET", "POST"])
def template_new():
    components = component_service.list_components()
    form = TemplateForm(offered=components, kind=_kind_asked())

    def save():
        template = service.create_template(**form.values(), actor=current_actor())
        return saved(f"Template “{template.name}” created.", url_for("admin.template_list"))

    return submit(form, save, lambda: _form_page(form, None, components))


def _kind_asked() -> str | None:
    """`?kind=update` starts the form as an update's template (from the list's link)."""
    kind = request.args.get("kind")
    return kind if kind in TemplateKind.__members__.values() else None


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
def template_edit(template_id: int):
    template = service.get_template(template_id)
    components = component_service.list_components()
    form = TemplateForm(obj=template, offered=components).load(template)

    def save():
        service.update_template(template, **form.values(), actor=current_actor())
        return saved(f"Template “{template.name}” saved.", url_for("admin.template_list"))

    return submit(form, save, lambda: _form_page(form, template, components))


@bp.route("/templates/<int:template_id>/delete", methods=["GET", "POST"])
def template_delete(template_id: int):
    template = service.get_template(template_id)
    if request.method == "POST":
        name = template.name
        service.delete_template(template, actor=current_actor())
        return saved(f"Template “{name}” deleted.", url_for("admin.template_list"))
    return render_template("admin/incident_templates/delete.html", template=template)
