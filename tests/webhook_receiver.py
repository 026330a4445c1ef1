"""A real HTTPS webhook receiver on 127.0.0.1 for the delivery tests, in a thread.

Its certificate comes from a throwaway CA (trustme) that only the tests trust
(`WEBHOOK_CA_FILE`). It records every connection, the name each TLS client
asked for (SNI) and every request, and answers as a test tells it: a status,
a redirect, a hang, or an endless body.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CERT_NAMES = ("127.0.0.1", "::1", "localhost", "hooks.example.test")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    sni: str | None
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # accept the request, never answer (until the test ends)
    endless: bool = False  # a status line, then a body of `ENDLESS` bytes
    trickle: bool = False  # a status line, then one header byte every 0.1 s, for ever


ENDLESS = 256 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self):  # noqa: N802 - the name http.server calls
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        receiver = self.server.receiver
        sni = getattr(self.connection, "herald_sni", None)
        receiver.requests.append(Received(self.path, dict(self.headers.items()), body, sni))
        answer = receiver.answer
        if answer.hang:
            receiver.release.wait(30)
            return
        if answer.trickle:
            self._trickle()
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.endless:
            self._endless()
            return
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def _trickle(self) -> None:
        # Each byte arrives well within any read timeout; only a deadline stops this.
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        try:
            while not self.server.receiver.release.wait(0.1):
                self.wfile.write(b"a")
                self.wfile.flush()
        except OSError:
            pass  # the client gave up

    def _endless(self) -> None:
        self.send_header("Content-Length", str(ENDLESS))
        self.end_headers()
        chunk = b"x" * 65536
        receiver = self.server.receiver
        try:
            while receiver.body_bytes_sent < ENDLESS:
                self.wfile.write(chunk)
                receiver.body_bytes_sent += len(chunk)
        except OSError:
            pass  # the client hung up: what the test hopes for
        finally:
            receiver.body_done.set()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def get_request(self):
        request, address = super().get_request()
        self.receiver.connections += 1
        return request, address

    def finish_request(self, request, client_address):
        context = self.receiver.tls
        if context is None:
            super().finish_request(request, client_address)
            return
        try:
            wrapped = context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that refused our certificate: counted, nothing more
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are part of the tests


class _Server6(_Server):
    address_family = socket.AF_INET6


class Receiver:
    """Listens on 127.0.0.1 or ::1 (https, unless `tls` is None) until `close()`."""

    def __init__(self, tls: ssl.SSLContext | None, bind: str = "127.0.0.1"):
        self.tls = tls
        self.answer = Answer()
        self.requests: list[Received] = []
        self.connections = 0
        self.body_bytes_sent = 0
        self.body_done = threading.Event()
        self.release = threading.Event()
        self.bind = bind
        self.server = (_Server6 if ":" in bind else _Server)((bind, 0), _Handler)
        self.server.receiver = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/hook", host: str | None = None) -> str:
        scheme = "https" if self.tls is not None else "http"
        host = host or (f"[{self.bind}]" if ":" in self.bind else self.bind)
        return f"{scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        if self.release.is_set():
            return
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def server_context(ca) -> ssl.SSLContext:
    """A TLS server context with a certificate from `ca` (a trustme.CA) for CERT_NAMES,
    remembering on each connection the name the client asked for."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*CERT_NAMES).configure_cert(context)

    def remember(sslobj, name, _context):
        with contextlib.suppress(AttributeError):
            sslobj.herald_sni = name

    context.sni_callback = remember
    return context
