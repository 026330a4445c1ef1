"""One POST to a subscriber's endpoint (or one GET of a followed status page): at the
checked address, briefly, and only once.

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
    etag: str | None = None
    oversized: bool = False  # a `get` answer longer than its limit (the excerpt is cut)


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
    return _each_address(target, seconds, ca_file, _Request("POST", body, headers, EXCERPT))


def get(
    target: Target,
    headers: Mapping[str, str],
    *,
    seconds: float,
    limit: int,
    ca_file: str | None = None,
) -> Reply:
    """GET `target`: the status and up to `limit` bytes of the body, all of which must
    arrive within `seconds` (a reply cut short by the deadline is SendFailed, one longer
    than `limit` comes back `oversized`)."""
    return _each_address(target, seconds, ca_file, _Request("GET", None, headers, limit))


@dataclass(frozen=True)
class _Request:
    method: str
    body: bytes | None
    headers: Mapping[str, str]
    limit: int  # bytes of the answer kept


def _each_address(target: Target, seconds: float, ca_file: str | None, request: _Request):
    started = time.monotonic()
    addresses = target.addresses or (target.address,)
    for number, address in enumerate(addresses):
        left = seconds - (time.monotonic() - started)
        last = number == len(addresses) - 1
        try:
            return _send_to(replace(target, address=address), request, left, ca_file)
        except _Unreachable as exc:
            if last or left <= 0:
                raise SendFailed(str(exc)) from exc
    raise SendFailed("the host has no address")  # unreachable: addresses is never empty


class _Unreachable(SendFailed):
    """No connection could be opened to this address; the next one may do."""


def _send_to(target: Target, request: _Request, seconds: float, ca_file: str | None) -> Reply:
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
            request.method,
            target.path,
            body=request.body,
            headers={**request.headers, "Host": host_header(target)},
            preload_content=False,
        )
        response = connection.getresponse()
        if deadline.expired.is_set():
            # Cut off mid-headers, http.client takes what came as the whole answer.
            raise SendFailed(f"no complete answer within {_shown(seconds)} seconds")
        excerpt = _read(response, request, deadline, seconds)
        return Reply(
            response.status,
            excerpt[: request.limit],
            response.headers.get("Location"),
            response.headers.get("Retry-After"),
            response.headers.get("ETag"),
            len(excerpt) > request.limit,
        )
    except (HTTPError, HTTPException, OSError, ValueError) as exc:
        if _timed_out(deadline, exc):
            raise SendFailed(f"no answer within {_shown(seconds)} seconds") from exc
        raise SendFailed(_describe(exc)) from exc
    finally:
        deadline.timer.cancel()
        connection.close()  # never reused, never drained: the rest of a long answer is dropped


def _read(response, request: _Request, deadline: _Deadline, seconds: float) -> bytes:
    """The first `limit` bytes of the answer, and one more to tell an oversized one."""
    try:
        return response.read(request.limit + 1, decode_content=False) or b""
    except (HTTPError, HTTPException, OSError) as exc:
        if request.method == "POST":
            return b""  # the status is what counts; a broken body does not undo it
        if _timed_out(deadline, exc):
            raise SendFailed(f"no complete answer within {_shown(seconds)} seconds") from exc
        raise SendFailed(f"the answer broke off: {_describe(exc)}") from exc


def _timed_out(deadline: _Deadline, exc: Exception) -> bool:
    # The socket's own timeout is the same number of seconds: on a loaded machine it can
    # fire before the timer thread gets to run, and it means the same thing.
    return deadline.expired.is_set() or isinstance(exc, TimeoutError)


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
