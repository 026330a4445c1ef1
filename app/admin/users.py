"""Admin views: who may log in, with which role. Admins only."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_user

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.user_forms import ActionForm, AddUserForm, PasswordForm, RoleForm
from app.models import User
from app.services import two_factor, users

CHOOSE_A_ROLE = "Choose a role: admin or manager."


def _users_page(*, add_form=None, error=None, open_user=None, forms=None):
    """The list of users; a form that failed comes back in its place, `error` on top."""
    forms = forms or {}
    listed = users.list_users()
    return render_template(
        "admin/users.html",
        users=listed,
        add_form=add_form or AddUserForm(formdata=None),
        role_forms={
            u.id: forms.get(("role", u.id)) or RoleForm(formdata=None, role=u.role) for u in listed
        },
        password_forms={
            u.id: forms.get(("password", u.id)) or PasswordForm(formdata=None) for u in listed
        },
        error=error,
        open_user=open_user,
        require_two_factor=two_factor.is_required(),
    )


def _listed() -> str:
    return url_for("admin.users")


@bp.route("/users", endpoint="users")
@admin_only
def user_list():
    return _users_page()


@bp.route("/users/new", methods=["POST"])
@admin_only
def user_add():
    form = AddUserForm()

    def save():
        user = users.create_user(
            email=form.email.data,
            password=form.password.data,
            role=form.role.data,
            actor=current_actor(),
        )
        return saved(f"Added {user.email} as {user.role}.", _listed())

    return submit(
        form, save, lambda: _users_page(add_form=form, error="The user was not added; see below.")
    )


def _act(user_id: int, action, done: str):
    """A button on one user's row; a refusal is shown on top of the list with its 4xx."""
    user = users.get_user(user_id)
    form = ActionForm()

    def save():
        action(user)
        return saved(done.format(email=user.email), _listed())

    return submit(form, save, lambda: _users_page(error=" ".join(form.messages)))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@admin_only
def user_disable(user_id: int):
    return _act(
        user_id,
        lambda u: users.set_active(u, False, actor=current_actor()),
        "Disabled {email}; their sessions have ended.",
    )


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@admin_only
def user_enable(user_id: int):
    return _act(
        user_id, lambda u: users.set_active(u, True, actor=current_actor()), "Enabled {email}."
    )


@bp.route("/users/<int:user_id>/remove", methods=["POST"])
@admin_only
def user_remove(user_id: int):
    return _act(user_id, lambda u: users.delete_user(u, actor=current_actor()), "Removed {email}.")


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@admin_only
def user_two_factor_reset(user_id: int):
    return _act(
        user_id,
        lambda u: two_factor.reset(u, actor=current_actor()),
        "Reset the two-factor login of {email}; their sessions have ended. They log in with "
        "their password and can set it up again.",
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_only
def user_role(user_id: int):
    user = users.get_user(user_id)
    form = RoleForm()

    def save():
        users.set_role(user, form.role.data, actor=current_actor())
        demoted_myself = user.id == current_user.id and not user.is_admin
        return saved(
            f"{user.email} is now {user.role}.",
            url_for("admin.dashboard") if demoted_myself else _listed(),
        )

    return submit(form, save, lambda: _role_refused(user, form))


def _role_refused(user: User, form: RoleForm):
    if form.form_errors:  # the service refused: the select shows the role as it is
        return _users_page(error=" ".join(form.form_errors))
    return _users_page(error=CHOOSE_A_ROLE, forms={("role", user.id): form})


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_only
def user_password(user_id: int):
    user = users.get_user(user_id)
    form = PasswordForm()

    def save():
        users.set_password(user, form.password.data, actor=current_actor())
        if user.id == current_user.id:
            # Setting a password ends every session; keep this one, on the new token.
            login_user(user)
        return saved(f"Set a new password for {user.email}; their other sessions ended.", _listed())

    return submit(
        form,
        save,
        lambda: _users_page(
            error=f"The password of {user.email} was not changed; see below.",
            open_user=user.id,
            forms={("password", user.id): form},
        ),
    )
