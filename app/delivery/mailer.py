"""SMTP: one kept-open connection per batch, and what each server answer means.

`SMTP_URL` is `smtp://host:port` (plain, as to a local relay), `smtps://` (TLS
from the first byte, port 465) or `smtp+starttls://` (port 587), with an
optional `user:password@`. Each message goes to one recipient, so a refusal
names that recipient: 4xx is tried again later, 5xx for the recipient is a hard
bounce, 5xx for the message itself is final. A server that cannot be reached or
drops the connection is retried later, never counted against the subscriber.
With `smtp+starttls://`, a server that does not offer STARTTLS is refused before
anything (the password least of all) is sent in clear.

TLS verifies the server's certificate against the system's trust store, or against
`SMTP_CA_FILE` (a setting for the test suite only, like `WEBHOOK_CA_FILE`).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from app.delivery.outcome import Outcome, Result

_SCHEMES = {"smtp": ("plain", 25), "smtps": ("ssl", 465), "smtp+starttls": ("starttls", 587)}


class SmtpUrlError(ValueError):
    """SMTP_URL cannot be used; the message says how to write it."""


class StartTlsMissing(smtplib.SMTPException):
    """smtp+starttls:// was asked for, and the server does not offer STARTTLS."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # plain, ssl, starttls
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise SmtpUrlError(
            "SMTP_URL must look like smtp://host:25, smtps://user:password@host:465 "
            "or smtp+starttls://user:password@host:587."
        )
    security, default_port = _SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise SmtpUrlError(f"SMTP_URL has an invalid port: {exc}") from exc
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpSession:
    """Sends messages over one connection, opened on the first message and reopened once
    after a drop; once the server cannot be reached, the rest of the batch waits for a retry
    rather than paying a connect timeout per message."""

    def __init__(self, settings: SmtpSettings, timeout: float = 10.0, ca_file: str | None = None):
        self.settings = settings
        self.timeout = timeout
        self.ca_file = ca_file  # None: the system's trust store
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=self.timeout, context=self._tls()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise StartTlsMissing("the server does not offer STARTTLS")
                smtp.starttls(context=self._tls())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def send(
        self,
        sender: str,
        recipient: str,
        message: bytes,
        before_body: Callable[[], None] | None = None,
    ) -> Outcome:
        """Hand one message to the server; what it answered, as an Outcome.

        `before_body` runs once the server is ready for the message's text, before the text
        goes: what must be durable before another mail can count as sent waits there."""
        if self._unreachable:
            return Outcome(Result.RETRY, self._unreachable)
        for attempt in (1, 2):
            if self._smtp is None:
                try:
                    self._smtp = self._connect()
                except smtplib.SMTPAuthenticationError as exc:
                    self._unreachable = f"the mail server refused the login: {_said(exc)}"
                    return Outcome(Result.RETRY, self._unreachable)
                except StartTlsMissing:
                    self._unreachable = (
                        "the mail server does not offer STARTTLS, which SMTP_URL "
                        "(smtp+starttls://) requires; nothing was sent in clear"
                    )
                    return Outcome(Result.RETRY, self._unreachable)
                except (OSError, smtplib.SMTPException) as exc:
                    self._unreachable = f"could not reach the mail server: {_error(exc)}"
                    return Outcome(Result.RETRY, self._unreachable)
            try:
                _transaction(self._smtp, sender, recipient, message, before_body)
                return Outcome.sent()
            except smtplib.SMTPRecipientsRefused as exc:
                code, said = exc.recipients.get(recipient, (450, b"refused"))
                return _answer(code, said, bounce=True)
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                return _answer(exc.smtp_code, exc.smtp_error, bounce=False)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                # Dropped (or timed out) mid-message: whether it arrived is unknown, so it
                # is retried later; a connection that was merely stale is reopened at once.
                self.close()
                if attempt == 2 or not isinstance(exc, smtplib.SMTPServerDisconnected):
                    return Outcome(Result.RETRY, f"the mail server dropped: {_error(exc)}")
            except smtplib.SMTPResponseException as exc:
                self.close()
                return _answer(exc.smtp_code, exc.smtp_error, bounce=False)
        return Outcome(Result.RETRY, "the mail server dropped the connection")

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                _quietly_close(smtp)


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _transaction(
    smtp: smtplib.SMTP,
    sender: str,
    recipient: str,
    message: bytes,
    before_body: Callable[[], None] | None,
) -> None:
    """smtplib's `sendmail` for one recipient, raising as it does, with a pause before the
    text: the server takes a message only when its text ends, so the envelope's round trips
    may run while the previous message's "sent" mark is being written."""
    smtp.ehlo_or_helo_if_needed()
    code, said = smtp.mail(sender)
    if code != 250:
        _reset(smtp, code)
        raise smtplib.SMTPSenderRefused(code, said, sender)
    code, said = smtp.rcpt(recipient)
    if code not in (250, 251):
        _reset(smtp, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, said)})
    code, said = smtp.docmd("data")
    if code != 354:
        _reset(smtp, code)
        raise smtplib.SMTPDataError(code, said)
    if before_body is not None:
        before_body()
    text = _LEADING_DOT.sub(b"..", message)
    if not text.endswith(b"\r\n"):
        text += b"\r\n"
    smtp.send(text + b".\r\n")
    code, said = smtp.getreply()
    if code != 250:
        _reset(smtp, code)
        raise smtplib.SMTPDataError(code, said)


def _reset(smtp: smtplib.SMTP, code: int) -> None:
    """As smtplib does after a refusal: 421 means the server is closing; else RSET."""
    if code == 421:
        smtp.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()


def _answer(code: int, said, *, bounce: bool) -> Outcome:
    error = f"{code} {_text(said)}"[:500]
    if 400 <= code < 500:
        return Outcome(Result.RETRY, error)
    return Outcome(Result.BOUNCE if bounce else Result.DEAD, error)


def _text(said) -> str:
    return said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)


def _said(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"[:300]


def _error(exc: BaseException) -> str:
    return (f"{type(exc).__name__}: {exc}".strip())[:300]


def _quietly_close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()
