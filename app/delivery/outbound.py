"""One POST to a subscriber's endpoint: at the checked address, briefly, and only once.

The request goes to an address `ssrf.resolve` checked — never to a fresh DNS
answer; the next checked one if it accepts no connection — while TLS verifies
the certificate for, and SNI and `Host:` name, the host in the URL. Nothing here
follows a redirect, retries, or reads more of an answer than the first `EXCERPT`
bytes, and a deadline cuts off a receiver that answers too slowly, however it
trickles its bytes. urllib3 does the HTTP and TLS; this module only decides
where it connects and how long it may take.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from http.client import HTTPException

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, SSLError

from app.delivery.ssrf import Target

EXCERPT = 1024  # bytes of an answer read at most, kept for the delivery history
CONNECT_SECONDS = 3.0


class SendFailed(Exception):
    """No answer came back (refused, reset, TLS failed, too slow); the message says which."""


@dataclass(frozen=True)
class Reply:
    status: int
    excerpt: bytes  # the first bytes of the body, never more than EXCERPT
    location: str | None = None  # where a redirect pointed (it is not followed)
    retry_after: str | None = None  # the Retry-After header, as sent


def host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _connection(target: Target, seconds: float, ca_file: str | None) -> HTTPConnection:
    connect = min(CONNECT_SECONDS, seconds)
    if target.scheme == "http":  # only with the test-only loopback setting (ssrf.check_url)
        return HTTPConnection(target.address, target.port, timeout=connect)
    return HTTPSConnection(
        target.address,
        target.port,
        timeout=connect,
        server_hostname=target.host,  # SNI: the name, though we dial the checked address
        assert_hostname=target.host,  # and the certificate must be the name's
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_file,  # None: the system's trust store
    )


class _Deadline:
    """Shuts the socket under a request that runs past its time; its read then fails."""

    def __init__(self, connection: HTTPConnection, seconds: float):
        self.connection = connection
        self.expired = threading.Event()
        self.timer = threading.Timer(seconds, self._cut)
        self.timer.daemon = True

    def _cut(self) -> None:
        self.expired.set()
        sock = self.connection.sock
        if sock is not None:
            # The plain socket's shutdown: the TLS layer's would drop its state under the
            # thread still reading through it. OSError: it closed meanwhile.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def post(
    target: Target,
    body: bytes,
    headers: Mapping[str, str],
    *,
    seconds: float,
    ca_file: str | None = None,
) -> Reply:
    """POST `body` to `target` and return the status and the start of the answer.

    Tries the host's checked addresses in turn while none accepts a connection (never
    after one did: the request may have arrived). Raises SendFailed when no complete
    status line and headers arrived within `seconds` of the start (connect, TLS, sending
    and waiting included).
    """
    started = time.monotonic()
    addresses = target.addresses or (target.address,)
    for number, address in enumerate(addresses):
        left = seconds - (time.monotonic() - started)
        last = number == len(addresses) - 1
        try:
            return _post_to(replace(target, address=address), body, headers, left, ca_file)
        except _Unreachable as exc:
            if last or left <= 0:
                raise SendFailed(str(exc)) from exc
    raise SendFailed("the host has no address")  # unreachable: addresses is never empty


class _Unreachable(SendFailed):
    """No connection could be opened to this address; the next one may do."""


def _post_to(
    target: Target, body: bytes, headers: Mapping[str, str], seconds: float, ca_file: str | None
) -> Reply:
    connection = _connection(target, seconds, ca_file)
    deadline = _Deadline(connection, seconds)
    deadline.timer.start()
    try:
        try:
            connection.connect()
        except (NewConnectionError, ConnectTimeoutError) as exc:
            raise _Unreachable(_describe(exc)) from exc
        connection.sock.settimeout(seconds)
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header(target)},
            preload_content=False,
        )
        response = connection.getresponse()
        if deadline.expired.is_set():
            # Cut off mid-headers, http.client takes what came as the whole answer.
            raise SendFailed(f"no complete answer within {_shown(seconds)} seconds")
        try:
            excerpt = response.read(EXCERPT, decode_content=False) or b""
        except (HTTPError, HTTPException, OSError):
            excerpt = b""  # the status is what counts; a broken body does not undo it
        return Reply(
            response.status,
            excerpt[:EXCERPT],
            response.headers.get("Location"),
            response.headers.get("Retry-After"),
        )
    except (HTTPError, HTTPException, OSError, ValueError) as exc:
        if deadline.expired.is_set():
            raise SendFailed(f"no answer within {_shown(seconds)} seconds") from exc
        raise SendFailed(_describe(exc)) from exc
    finally:
        deadline.timer.cancel()
        connection.close()  # never reused, never drained: the rest of a long answer is dropped


def _shown(seconds: float) -> str:
    # What is left of the timeout when the request starts: 1.49999 reads as the 1.5 set.
    return f"{round(seconds, 1):g}"


def _describe(exc: Exception) -> str:
    """A short reason for the delivery history (no URL: it may hold a secret path)."""
    if isinstance(exc, NewConnectionError):
        # "HTTPSConnection(host=…): Failed to establish a new connection: [Errno 111] …"
        reason = str(exc).rsplit("]", 1)[-1].strip() or "refused"
        return f"could not connect: {reason}"
    if isinstance(exc, TimeoutError):
        return "the receiver did not answer in time"
    if isinstance(exc, ConnectTimeoutError):  # (after NewConnectionError: its base)
        return "could not connect in time"
    if isinstance(exc, ssl.SSLError | SSLError):
        reason = re.sub(r"\s*\(_ssl\.c:\d+\)", "", str(exc))
        return f"TLS failed: {reason[:200]}"
    name = type(exc).__name__
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{name}: {text}" if text else name
