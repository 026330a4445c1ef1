"""Admin views: API tokens for /api/v1 — create (the secret shown once), revoke. Admins only."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, session, url_for

from app.admin import admin_only, bp, current_actor
from app.admin.forms import saved, submit
from app.admin.token_forms import TokenForm
from app.admin.user_forms import ActionForm
from app.models import utcnow
from app.services import api_tokens

SENT_TWICE = (
    "That form was sent again (a reload, or Back and resend), so no second token was made. "
    "The token it made is in the list; its secret was shown once, when it was made."
)
_SENT = "token_forms_sent"


def _sent_before(once: str | None) -> bool:
    """Whether a form with this one-time value already made a token in this session (a
    client that sends no value, such as a script, cannot be told apart)."""
    return bool(once) and once[:40] in session.get(_SENT, [])


def _remember_sent(once: str | None) -> None:
    if once:
        session[_SENT] = [*session.get(_SENT, [])[-9:], once[:40]]


def _tokens_page(form: TokenForm | None = None, *, created=None, secret=None, error=None):
    return render_template(
        "admin/tokens.html",
        tokens=api_tokens.list_tokens(),
        form=form or TokenForm(formdata=None),
        created=created,
        secret=secret,
        error=error,
        now=utcnow(),
    )


@bp.route("/api-tokens", endpoint="tokens")
@admin_only
def token_list():
    return _tokens_page()


@bp.route("/api-tokens/new", methods=["POST"])
@admin_only
def token_create():
    form = TokenForm()

    def save():
        if _sent_before(form.once.data):
            return _tokens_page(error=SENT_TWICE), 409
        days = form.expires.data
        expires_at = utcnow() + timedelta(days=int(days)) if days.isdigit() else None
        token, secret = api_tokens.create_token(
            name=form.name.data, role=form.role.data, expires_at=expires_at, actor=current_actor()
        )
        _remember_sent(form.once.data)
        # Shown on this answer only, never redirected to: the secret is not stored.
        return _tokens_page(created=token, secret=secret)

    return submit(form, save, lambda: _tokens_page(form))


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@admin_only
def token_revoke(token_id: int):
    token = api_tokens.get_token(token_id)
    form = ActionForm()

    def save():
        api_tokens.revoke_token(token, actor=current_actor())
        return saved(
            f"Revoked the token “{token.name}”; it no longer works.", url_for("admin.tokens")
        )

    return submit(form, save, lambda: _tokens_page(error=" ".join(form.messages)))
