"""Admin view: the priority matrix (internal impact × urgency → P1–P5). Admins only."""

from __future__ import annotations

from flask import render_template, request, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.priority_forms import MatrixForm, cell_name
from app.services import priority


@bp.route("/settings/priority", methods=["GET", "POST"])
@admin_only
def priority_matrix():
    # A submitted form holds only what was sent: a missing cell is refused, not kept.
    form = MatrixForm() if request.method == "POST" else MatrixForm.showing(priority.matrix())

    def save():
        priority.save_matrix(form.cells(), actor=current_actor())
        return saved(
            "Priority matrix saved; classified incidents follow it.",
            url_for("admin.priority_matrix"),
        )

    return submit(
        form,
        save,
        lambda: render_template(
            "admin/priority_matrix.html",
            form=form,
            impacts=priority.IMPACTS,
            urgencies=priority.URGENCIES,
            cell_name=cell_name,
            default=priority.DEFAULT_MATRIX,
        ),
    )
