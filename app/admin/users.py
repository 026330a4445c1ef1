"""Admin views: who may log in, with which role. Admins only."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_user

from app.admin import admin_only, bp
from app.admin.account_forms import ActionForm, AddUserForm, PasswordForm, RoleForm
from app.admin.auth import lift_lockout
from app.services import users
from app.services.errors import Invalid, ServiceError


def _actor():
    return current_user._get_current_object()


def _users_page(status: int = 200, *, add_form=None, error=None, open_user=None, forms=None):
    """The list of users; on failure it comes back with the message and a 4xx."""
    forms = forms or {}
    listed = users.list_users()
    return (
        render_template(
            "admin/users.html",
            users=listed,
            add_form=add_form or AddUserForm(formdata=None),
            role_forms={
                u.id: forms.get(("role", u.id)) or RoleForm(formdata=None, role=u.role)
                for u in listed
            },
            password_forms={
                u.id: forms.get(("password", u.id)) or PasswordForm(formdata=None) for u in listed
            },
            action_form=ActionForm(formdata=None),
            error=error,
            open_user=open_user,
        ),
        status,
    )


def _field_error(form, exc: Invalid) -> None:
    field = getattr(form, exc.field or "", None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


@bp.route("/users", endpoint="users")
@admin_only
def user_list():
    return _users_page()


@bp.route("/users/new", methods=["POST"])
@admin_only
def user_add():
    form = AddUserForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(
                email=form.email.data,
                password=form.password.data,
                role=form.role.data,
                actor=_actor(),
            )
        except Invalid as exc:
            _field_error(form, exc)
        else:
            flash(f"Added {user.email} as {user.role}.", "success")
            return redirect(url_for("admin.users"))
    return _users_page(400, add_form=form, error="The user was not added; see below.")


def _act(user_id: int, action, done: str):
    """Run a service on one user; its refusal is shown on the list with its 4xx."""
    if not ActionForm().validate_on_submit():
        return _users_page(400, error="The form was not valid; reload the page and try again.")
    try:
        user = users.get_user(user_id)
        action(user)
    except ServiceError as exc:
        return _users_page(exc.status_code, error=exc.message)
    flash(done.format(email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@admin_only
def user_disable(user_id: int):
    return _act(
        user_id,
        lambda u: users.set_active(u, False, actor=_actor()),
        "Disabled {email}; their sessions have ended.",
    )


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@admin_only
def user_enable(user_id: int):
    return _act(user_id, lambda u: users.set_active(u, True, actor=_actor()), "Enabled {email}.")


@bp.route("/users/<int:user_id>/remove", methods=["POST"])
@admin_only
def user_remove(user_id: int):
    return _act(user_id, lambda u: users.delete_user(u, actor=_actor()), "Removed {email}.")


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_only
def user_role(user_id: int):
    form = RoleForm()
    user = users.get_user(user_id)
    if not form.validate_on_submit():
        return _users_page(
            400, error="Choose a role: admin or manager.", forms={("role", user_id): form}
        )
    try:
        users.set_role(user, form.role.data, actor=_actor())
    except ServiceError as exc:
        return _users_page(exc.status_code, error=exc.message)
    flash(f"{user.email} is now {user.role}.", "success")
    if user.id == current_user.id and not user.is_admin:
        return redirect(url_for("admin.dashboard"))
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_only
def user_password(user_id: int):
    form = PasswordForm()
    user = users.get_user(user_id)
    if form.validate_on_submit():
        try:
            users.set_password(user, form.password.data, actor=_actor())
            lift_lockout(user.email)
            if user.id == current_user.id:
                # Setting a password ends every session; keep this one, on the new token.
                login_user(user)
        except Invalid as exc:
            _field_error(form, exc)
        else:
            flash(f"Set a new password for {user.email}; their other sessions ended.", "success")
            return redirect(url_for("admin.users"))
    return _users_page(
        400,
        error=f"The password of {user.email} was not changed; see below.",
        open_user=user_id,
        forms={("password", user_id): form},
    )
