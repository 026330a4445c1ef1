"""Logs: can an operator follow each request by its id, without the logs holding secrets?"""

from __future__ import annotations

import contextlib
import json
import time

from tests.integration.ops.servers import (
    Process,
    environment,
    fetch,
    start_gunicorn,
    wait_for,
)

HEX_ID = 32


def _json_lines(output: str) -> list[dict]:
    lines = [line for line in output.splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError as exc:
            raise AssertionError(f"not a JSON line: {line!r}") from exc
    return parsed


def test_one_json_line_per_request_under_gunicorn(app, database_url, tmp_path):
    """Under the documented gunicorn command: is every line JSON, is each request one line
    with its id, endpoint, status and duration, and are tokens, passwords and
    Authorization headers kept out?"""
    env = environment(database_url, HERALD_TRUST_REQUEST_ID="1")
    base, web = start_gunicorn(tmp_path, env)
    try:
        status, headers, _ = fetch(base + "/", {"X-Request-Id": "lb-7f3a-0001"})
        assert status == 200 and headers["X-Request-Id"] == "lb-7f3a-0001"
        fetch(
            base + "/history?page=1&token=SECRET-LINK-TOKEN",
            {"Authorization": "Bearer SECRET-AUTH"},
        )
        fetch(base + "/healthz")
        assert fetch(base + "/readyz")[0] == 503  # no worker in this test
        from urllib.request import Request, urlopen

        form = b"email=someone%40example.com&password=SECRET-PASSWORD"
        # Refused for its missing CSRF token; only the log matters here.
        with contextlib.suppress(OSError):
            urlopen(Request(base + "/admin/login", data=form), timeout=10)
    finally:
        web.stop()
    output = web.output()
    for secret in ("SECRET-LINK-TOKEN", "SECRET-AUTH", "SECRET-PASSWORD", "someone@example.com"):
        assert secret not in output
    lines = _json_lines(output)
    requests = [line for line in lines if line.get("logger") == "herald.access"]
    first = next(line for line in requests if line["request_id"] == "lb-7f3a-0001")
    assert (
        first
        | {
            "method": "GET",
            "endpoint": "public.index",
            "path": "/",
            "status": 200,
            "remote_addr": "127.0.0.1",
            "level": "info",
        }
        == first
    )
    assert isinstance(first["duration_ms"], float) and first["ts"].endswith("Z")
    history = next(line for line in requests if line["path"] == "/history")
    assert history["query"] == "page=1&token"
    assert len(history["request_id"]) == HEX_ID
    paths = [line["path"] for line in requests]
    assert "/healthz" not in paths  # a passing probe is not news
    assert next(line for line in requests if line["path"] == "/readyz")["status"] == 503
    assert any(line["path"] == "/admin/login" and line["method"] == "POST" for line in requests)
    assert any(line.get("logger", "").startswith("gunicorn") for line in lines)


def test_request_ids_from_clients_are_only_believed_behind_a_trusted_proxy(other_app):
    """Is a client's X-Request-Id replaced unless a trusted proxy sets it, and always when it
    could break a log line?"""
    direct = other_app()
    proxied = other_app(PROXY_HOPS=1, TRUST_REQUEST_ID=True)
    with direct.app_context():
        given = direct.test_client().get("/healthz", headers={"X-Request-Id": "client-chosen"})
    assert given.headers["X-Request-Id"] != "client-chosen"
    assert len(given.headers["X-Request-Id"]) == HEX_ID
    with proxied.app_context():
        client = proxied.test_client()
        kept = client.get("/healthz", headers={"X-Request-Id": "edge-42"})
        assert kept.headers["X-Request-Id"] == "edge-42"
        for bad in ("two words", "x" * 200, 'quote"inside'):
            replaced = client.get("/healthz", headers={"X-Request-Id": bad})
            assert len(replaced.headers["X-Request-Id"]) == HEX_ID


def test_secret_url_arguments_are_blanked(other_app, capsys):
    """A link whose path carries a token: does the log line show the route, not the token?"""
    app = other_app(ACCESS_LOG=True)
    app.add_url_rule("/confirm/<token>", "confirm_test", lambda token: "ok")
    with app.app_context():
        assert app.test_client().get("/confirm/SECRET-PATH-TOKEN").status_code == 200
    err = capsys.readouterr().err
    assert "SECRET-PATH-TOKEN" not in err
    assert "path=/confirm/[redacted]" in err


def _worker(tmp_path, env) -> Process:
    import sys

    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
    return Process(command, env, tmp_path / f"worker-{time.monotonic_ns()}.log")


def test_the_worker_logs_one_line_per_tick(app, database_url, tmp_path):
    """Does `flask worker` write one JSON line per tick, with its duration?"""
    env = environment(database_url, HERALD_TICK_SECONDS="0.3", HERALD_LOG_FORMAT="json")
    worker = _worker(tmp_path, env)
    try:
        wait_for(lambda: worker.output().count('"job": "tick"') >= 3, message="three ticks")
    finally:
        worker.stop()
    ticks = [
        line for line in _json_lines(_after_banner(worker.output())) if line.get("job") == "tick"
    ]
    assert len(ticks) >= 3
    assert ticks[0] | {"logger": "herald.worker", "msg": "job", "outcome": "ok"} == ticks[0]
    assert ticks[0]["started"] == [] and isinstance(ticks[0]["duration_ms"], float)


def test_text_logs_for_development(app, database_url, tmp_path):
    """With HERALD_LOG_FORMAT=text, are the same events readable lines instead?"""
    env = environment(database_url, HERALD_TICK_SECONDS="0.3", HERALD_LOG_FORMAT="text")
    worker = _worker(tmp_path, env)
    try:
        wait_for(lambda: "job=tick" in worker.output(), message="a tick")
    finally:
        worker.stop()
    line = next(line for line in worker.output().splitlines() if "job=tick" in line)
    assert " INFO herald.worker: job " in line and "duration_ms=" in line


def _after_banner(output: str) -> str:
    # `flask worker` prints one plain sentence before its loop starts.
    return "\n".join(line for line in output.splitlines() if line.startswith("{"))
