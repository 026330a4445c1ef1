"""A real SMTP server for the tests and the bench: aiosmtpd on 127.0.0.1.

It keeps every message it accepts (parsed, with its envelope), and can be told
to refuse recipients (4xx or 5xx, per address or for everyone), to drop the
connection instead of answering, or to go away entirely and come back on the
same port. It can also serve TLS (`security="ssl"`: from the first byte, as on
port 465; `"starttls"`: demanding STARTTLS, as on 587) and require a login
(`users`), recording every login attempt it saw and whether it was over TLS.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass
class Behaviour:
    refuse: dict[str, str] = field(default_factory=dict)  # address → "550 No such user"
    refuse_everyone: str | None = None  # e.g. "451 Try again later"
    drop: bool = False  # close the connection when the message is sent
    delay: float = 0.0  # seconds to wait before accepting each message


@dataclass
class Login:
    user: str
    password: str
    over_tls: bool
    accepted: bool


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        behaviour = self.sink.behaviour
        answer = behaviour.refuse.get(address.lower()) or behaviour.refuse_everyone
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        behaviour = self.sink.behaviour
        if behaviour.drop:
            server.transport.close()
            return "421 closing"
        if behaviour.delay:
            import asyncio

            await asyncio.sleep(behaviour.delay)
        self.sink._keep(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, time.time())
        )
        return "250 Message accepted for delivery"


class SmtpSink:
    """aiosmtpd on 127.0.0.1:`port`; `url` is what SMTP_URL should say."""

    def __init__(
        self,
        port: int | None = None,
        *,
        security: str = "plain",
        tls: ssl.SSLContext | None = None,
        users: dict[str, str] | None = None,
    ):
        self.port = port or free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.security = security  # plain, ssl, starttls
        self.tls = tls
        self.users = users  # None: no login asked for
        self.logins: list[Login] = []
        self.behaviour = Behaviour()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._controller: Controller | None = None

    def _keep(self, received: Received) -> None:
        with self._arrived:
            self.received.append(received)
            self._arrived.notify_all()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        user = auth_data.login.decode()
        password = auth_data.password.decode()
        accepted = (self.users or {}).get(user) == password
        over_tls = self.security == "ssl" or session.ssl is not None
        self.logins.append(Login(user, password, over_tls, accepted))
        return AuthResult(success=accepted, handled=False)

    def _server_options(self) -> dict:
        options: dict = {}
        if self.security == "ssl":
            options["ssl_context"] = self.tls
        elif self.security == "starttls":
            options.update(tls_context=self.tls, require_starttls=True)
        if self.users is not None:
            # Plain and implicit-TLS servers offer AUTH at once: a client that logs in
            # without TLS could, and the test would see it.
            options.update(
                authenticator=self._authenticate,
                auth_require_tls=self.security == "starttls",
            )
        return options

    def start(self) -> SmtpSink:
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            ready_timeout=10,
            **self._server_options(),
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        with self._lock:
            self.received.clear()

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if address in r.recipients]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until at least `count` messages arrived (or fail after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} messages within {timeout} s, got {len(self.received)}"
                    )
                self._arrived.wait(left)
            return list(self.received)
