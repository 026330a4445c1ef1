"""Two-factor login's rules: enrolment, codes accepted once, recovery codes, re-authentication,
an admin's reset and requirement — checked with real TOTP codes from pyotp."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, RecoveryCode, User, utcnow
from app.services import two_factor, users
from app.services.errors import Forbidden, Invalid
from app.services.two_factor import Refused
from tests.conftest import PASSWORD
from tests.two_factor_helpers import STEP, code, code_at, turn_on


def _fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_enrolment_needs_a_code_from_the_scanned_secret(app, make_user):
    """Is two-factor on only once a code made from the shown secret is entered — and does
    the page keep showing the same secret until then?"""
    user = make_user()
    secret = two_factor.pending_secret(user)
    assert two_factor.pending_secret(user) == secret and len(secret) == 32
    assert not _fresh(user).two_factor_enabled
    uri = two_factor.provisioning_uri(user, secret)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri

    wrong = "000000" if code(secret) != "000000" else "111111"
    with pytest.raises(Invalid, match="does not match the QR code"):
        two_factor.confirm_enrolment(user, code=wrong, password=PASSWORD)
    assert not _fresh(user).two_factor_enabled

    codes = two_factor.confirm_enrolment(user, code=code(secret), password=PASSWORD)
    user = _fresh(user)
    assert user.two_factor_enabled and user.totp_secret == secret
    assert user.totp_pending_secret is None
    assert len(codes) == 10 and len(set(codes)) == 10
    assert two_factor.recovery_codes_left(user) == 10


def test_enrolment_asks_for_the_password(app, make_user):
    """Can a session left open turn two-factor on (locking its owner out) without the password?"""
    user = make_user()
    secret = two_factor.pending_secret(user)
    with pytest.raises(Refused, match="password is not correct"):
        two_factor.confirm_enrolment(user, code=code(secret), password="not my password")
    assert not _fresh(user).two_factor_enabled


def test_recovery_codes_are_stored_only_as_keyed_hashes(app, make_user):
    """Does the database hold no recovery code, only hashes that depend on SECRET_KEY?"""
    user = make_user()
    _, codes = turn_on(user)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    plain = {c.replace("-", "") for c in codes}
    assert not plain & set(stored)
    assert all(len(h) == 64 for h in stored)


def test_a_code_works_once(app, make_user):
    """After a code has logged me in, is the same code refused — even within its 30 s?"""
    user = make_user()
    secret, _ = turn_on(user)
    now_code = code(secret)
    two_factor.log_in_with_code(user, now_code)
    with pytest.raises(Refused, match="used already"):
        two_factor.log_in_with_code(user, now_code)


def test_an_older_code_after_a_newer_one_is_refused(app, make_user):
    """Once a code of a later step is used, is an earlier step's (still in the window) refused?"""
    user = make_user()
    secret, _ = turn_on(user)
    now = utcnow()
    two_factor.log_in_with_code(user, code_at(secret, now + STEP), now=now)
    with pytest.raises(Refused, match="used already"):
        two_factor.log_in_with_code(user, code_at(secret, now), now=now)


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (1, True), (-3, False), (3, False)])
def test_codes_one_step_either_side_are_accepted(app, make_user, offset, accepted):
    """Is a code from a phone 30 s off accepted, and one from 90 s off refused?"""
    user = make_user()
    secret = two_factor.pending_secret(user)
    enrolled = utcnow() - timedelta(minutes=10)
    two_factor.confirm_enrolment(
        user, code=code_at(secret, enrolled), password=PASSWORD, now=enrolled
    )
    now = utcnow()
    typed = code_at(secret, now + offset * STEP)
    if accepted:
        two_factor.log_in_with_code(user, typed, now=now)
    else:
        with pytest.raises(Refused, match="not right"):
            two_factor.log_in_with_code(user, typed, now=now)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the 6-digit code"),
        ("12345", "is 6 digits"),
        ("1234567", "is 6 digits"),
        ("12a456", "is 6 digits"),
        ("١٢٣٤٥٦", "is 6 digits"),  # Arabic-Indic digits: digits, but not 0–9
        ("1" * 41, "too long"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(app, make_user, typed, message):
    """Is a code that cannot be one refused as such (400), before anything is looked up?"""
    user = make_user()
    turn_on(user)
    with pytest.raises(Invalid, match=message) as refused:
        two_factor.log_in_with_code(user, typed)
    assert refused.value.status_code == 400


def test_a_code_typed_with_spaces_is_read(app, make_user):
    """Is "123 456" (as some apps show it) read as 123456?"""
    user = make_user()
    secret, _ = turn_on(user)
    typed = code(secret)
    two_factor.log_in_with_code(user, f" {typed[:3]} {typed[3:]} ")


def test_a_recovery_code_works_once(app, make_user):
    """Does a recovery code log me in once, however I type it, and never again?"""
    user = make_user()
    _, codes = turn_on(user)
    typed = codes[0].upper().replace("-", " ")
    assert two_factor.log_in_with_recovery_code(user, typed) == 9
    with pytest.raises(Refused, match="used already"):
        two_factor.log_in_with_recovery_code(user, codes[0])
    assert two_factor.log_in_with_recovery_code(user, codes[1]) == 8


def test_recovery_codes_belong_to_their_user(app, make_user):
    """Can one user's recovery code log another in?"""
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    _, alice_codes = turn_on(alice)
    turn_on(bob)
    with pytest.raises(Refused):
        two_factor.log_in_with_recovery_code(bob, alice_codes[0])


@pytest.mark.parametrize("typed", ["", "abc", "12345-678901", "!!!!!-!!!!!"])
def test_malformed_recovery_codes_are_refused_with_a_reason(app, make_user, typed):
    user = make_user()
    turn_on(user)
    with pytest.raises(Invalid) as refused:
        two_factor.log_in_with_recovery_code(user, typed)
    assert refused.value.status_code == 400


def test_turning_off_needs_the_password_and_a_code(app, make_user):
    """Is two-factor turned off only with the password and a current code?"""
    user = make_user()
    secret, _ = turn_on(user)
    with pytest.raises(Refused, match="password"):
        two_factor.disable(user, password="wrong password here", code=code(secret))
    with pytest.raises(Refused, match="not right"):
        two_factor.disable(
            user, password=PASSWORD, code="000000" if code(secret) != "000000" else "111111"
        )
    with pytest.raises(Invalid, match="Enter the code"):
        two_factor.disable(user, password=PASSWORD, code="")
    assert _fresh(user).two_factor_enabled

    token = _fresh(user).session_token
    two_factor.disable(user, password=PASSWORD, code=code(secret))
    user = _fresh(user)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert user.session_token != token
    assert db.session.scalar(select(RecoveryCode.id)) is None


def test_a_recovery_code_proves_it_is_me_without_the_phone(app, make_user):
    """Having lost my phone, can I move two-factor to a new one with a recovery code (spent)?"""
    user = make_user()
    _, codes = turn_on(user)
    new_secret = two_factor.pending_secret(user)
    assert new_secret != _fresh(user).totp_secret
    kept = two_factor.confirm_enrolment(
        user, code=code(new_secret), password=PASSWORD, current_code=codes[0]
    )
    assert kept is None  # moving keeps the recovery codes…
    user = _fresh(user)
    assert user.totp_secret == new_secret
    assert two_factor.recovery_codes_left(user) == 9  # …less the one just spent


def test_moving_needs_a_current_code(app, make_user):
    user = make_user()
    turn_on(user)
    new_secret = two_factor.pending_secret(user)
    with pytest.raises(Invalid, match="Enter the code from your authenticator app"):
        two_factor.confirm_enrolment(user, code=code(new_secret), password=PASSWORD)
    assert _fresh(user).totp_pending_secret == new_secret


def test_new_recovery_codes_replace_the_old(app, make_user):
    """After I generate new recovery codes, do the old ones stop working?"""
    user = make_user()
    secret, old = turn_on(user)
    new = two_factor.regenerate_recovery_codes(user, password=PASSWORD, code=code(secret))
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(Refused):
        two_factor.log_in_with_recovery_code(user, old[1])
    assert two_factor.log_in_with_recovery_code(user, new[0]) == 9


def test_an_admin_resets_another_users_two_factor(app, make_user, admin_user):
    """Can an admin turn off a user's two-factor (lost phone), ending their sessions — but
    not their own, which needs re-authentication on My account?"""
    user = make_user()
    turn_on(user)
    token = _fresh(user).session_token
    two_factor.reset(user, actor=admin_user)
    user = _fresh(user)
    assert not user.two_factor_enabled and user.session_token != token
    with pytest.raises(Invalid, match="no two-factor login to reset"):
        two_factor.reset(user, actor=admin_user)
    turn_on(admin_user)
    with pytest.raises(Forbidden, match="My account"):
        two_factor.reset(admin_user, actor=admin_user)


def test_required_two_factor_cannot_be_turned_off(app, make_user, admin_user):
    """When an admin requires two-factor, can a user still turn theirs off?"""
    user = make_user()
    secret, _ = turn_on(user)
    assert two_factor.set_required(True, actor=admin_user) is True
    with pytest.raises(Forbidden, match="requires two-factor login for everybody"):
        two_factor.disable(user, password=PASSWORD, code=code(secret))
    assert two_factor.is_required()
    assert two_factor.users_without(users.list_users()) == [_fresh(admin_user)]


def test_the_audit_log_names_each_change_and_never_a_secret(app, make_user, admin_user):
    """Are enrolment, a recovery code used, new codes, turning off, a reset and the
    requirement each in the audit log — with no secret or code in any of them?"""
    user = make_user()
    secret, codes = turn_on(user)
    two_factor.log_in_with_recovery_code(user, codes[0])
    new_codes = two_factor.regenerate_recovery_codes(user, password=PASSWORD, code=code(secret))
    two_factor.disable(user, password=PASSWORD, code=new_codes[0])
    secret_again, more_codes = turn_on(user)
    two_factor.reset(user, actor=admin_user)
    two_factor.set_required(True, actor=admin_user)

    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.startswith("two_factor."))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "two_factor.enable",
        "two_factor.recovery_code_used",
        "two_factor.recovery_codes_replaced",
        "two_factor.recovery_code_used",
        "two_factor.disable",
        "two_factor.enable",
        "two_factor.reset",
        "two_factor.required",
    ]
    everything = " ".join(f"{e.details} {e.target_id} {e.actor_label}" for e in events)
    for secret_text in [secret, secret_again, *codes, *new_codes, *more_codes]:
        assert secret_text not in everything
        assert secret_text.replace("-", "") not in everything


def test_a_code_is_checked_against_the_secret_pyotp_would_use(app, make_user):
    """Is the stored secret the one an app scanning the QR code gets (a real TOTP secret)?"""
    user = make_user()
    secret, _ = turn_on(user)
    parsed = pyotp.parse_uri(two_factor.provisioning_uri(_fresh(user), secret))
    assert parsed.secret == _fresh(user).totp_secret
    assert parsed.issuer == "Herald Status" and parsed.name == user.email


def test_removing_a_user_removes_their_recovery_codes(app, make_user, admin_user):
    user = make_user()
    turn_on(user)
    users.delete_user(user, actor=admin_user)
    assert db.session.scalar(select(RecoveryCode.id)) is None
