"""Mail over TLS with a login: smtps:// (TLS from the first byte) and smtp+starttls://, against
a real aiosmtpd serving a certificate from a CA made for this run (trusted via SMTP_CA_FILE)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Delivery, DeliveryState
from app.services import incidents
from tests.integration.delivery.conftest import QUICK, confirmed, deliver
from tests.smtp_sink import SmtpSink
from tests.webhook_receiver import server_context

USER, PASSWORD = "herald@example.com", "s3cret pass/word"
QUOTED_PASSWORD = "s3cret%20pass%2Fword"  # as it is written in SMTP_URL


@pytest.fixture(scope="session")
def smtp_ca(tmp_path_factory):
    """A certificate authority made for this run, its CA file, and a server context from it."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("smtp-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path), server_context(ca)


@pytest.fixture
def mail_to(app, smtp_ca):
    """Start a sink (TLS as asked) and point mail at it with `SMTP_URL` as given."""
    started: list[SmtpSink] = []
    before = {key: app.config.get(key) for key in ("SMTP_URL", "MAIL_FROM", "SMTP_CA_FILE", *QUICK)}

    def start(security: str, scheme: str, credentials: str = f"{USER}:{QUOTED_PASSWORD}@"):
        sink = SmtpSink(security=security, tls=smtp_ca[1], users={USER: PASSWORD}).start()
        started.append(sink)
        app.config.update(
            SMTP_URL=f"{scheme}://{credentials}127.0.0.1:{sink.port}",
            MAIL_FROM="Status <status@example.com>",
            SMTP_CA_FILE=smtp_ca[0],
            **QUICK,
        )
        return sink

    yield start
    for sink in started:
        sink.stop()
    app.config.update(before)


def _open():
    return incidents.open_incident(name="API errors", impact="major", message="Looking into it.")


def _rows() -> list[Delivery]:
    db.session.rollback()  # the worker committed in its own session
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def _until_dead(app, timeout: float = 10.0) -> Delivery:
    deadline = time.monotonic() + timeout
    while True:
        deliver(app)
        [row] = _rows()
        if row.state == DeliveryState.DEAD:
            return row
        assert row.state == DeliveryState.PENDING, row.state
        assert time.monotonic() < deadline, "never dead-lettered"
        time.sleep(0.03)


@pytest.mark.parametrize(("security", "scheme"), [("ssl", "smtps"), ("starttls", "smtp+starttls")])
def test_mail_goes_out_over_tls_with_a_login(app, catalogue, mail_to, security, scheme):
    """With SMTP_URL smtps://user:password@… or smtp+starttls://user:password@…, does the
    mail arrive, after one login over TLS with the password as written (URL-decoded)?"""
    sink = mail_to(security, scheme)
    confirmed("ada@example.com")
    _open()
    deliver(app)
    [received] = sink.wait_for(1)
    assert received.recipients == ["ada@example.com"]
    assert [(x.user, x.password, x.over_tls, x.accepted) for x in sink.logins] == [
        (USER, PASSWORD, True, True)
    ]
    assert [row.state for row in _rows()] == [DeliveryState.SENT]


@pytest.mark.parametrize(("security", "scheme"), [("ssl", "smtps"), ("starttls", "smtp+starttls")])
def test_a_wrong_password_is_retried_then_dead_with_a_clear_error(
    app, catalogue, mail_to, security, scheme, as_admin
):
    """With a wrong password, is the mail retried and, after the last try, listed among the
    failed deliveries saying the server refused the login — no crash, nothing sent?"""
    sink = mail_to(security, scheme, credentials=f"{USER}:wrong@")
    confirmed("ada@example.com")
    _open()
    deliver(app)
    [row] = _rows()
    assert row.state == DeliveryState.PENDING and row.attempts == 1
    assert row.last_error.startswith("the mail server refused the login: 535")
    row = _until_dead(app)
    assert row.attempts == QUICK["DELIVERY_MAX_ATTEMPTS"]
    assert "refused the login" in row.last_error and "wrong" not in row.last_error
    assert sink.received == [] and all(x.over_tls and not x.accepted for x in sink.logins)
    # One login per try (smtplib tries PLAIN, then LOGIN): no hammering in between.
    assert row.attempts <= len(sink.logins) <= 2 * row.attempts
    page = as_admin.get("/admin/deliveries/failed").get_data(as_text=True)
    assert "the mail server refused the login: 535" in page


def test_a_server_without_starttls_never_gets_the_password(app, catalogue, mail_to, as_admin):
    """When SMTP_URL demands STARTTLS and the server only speaks plain SMTP (though it would
    take a login in clear), is nothing sent — the password least of all — and does the
    failed delivery say why?"""
    sink = mail_to("plain", "smtp+starttls")
    confirmed("ada@example.com")
    _open()
    row = _until_dead(app)
    assert sink.logins == [] and sink.received == []
    assert "does not offer STARTTLS" in row.last_error and PASSWORD not in row.last_error
    page = as_admin.get("/admin/deliveries/failed").get_data(as_text=True)
    assert "does not offer STARTTLS" in page


def test_a_certificate_that_does_not_verify_is_not_sent_to(app, catalogue, mail_to):
    """With the system's trust store (not our test CA), is an smtps:// server whose
    certificate does not verify sent neither the login nor the mail?"""
    sink = mail_to("ssl", "smtps")
    app.config["SMTP_CA_FILE"] = None
    confirmed("ada@example.com")
    _open()
    deliver(app)
    [row] = _rows()
    assert row.state == DeliveryState.PENDING
    assert "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert sink.logins == [] and sink.received == []
