"""The container image and compose file, tested without a container engine: does the
compose file follow the Compose Specification, and do the image's entry commands work
when run the same way outside a container?"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

from tests.conftest import ROOT
from tests.integration.ops.servers import (
    SECRET,
    Process,
    environment,
    fetch,
    free_port,
    wait_for,
)

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_file_follows_the_compose_specification():
    """Is compose.yaml valid against the Compose Specification's schema?"""
    schema = json.loads((ROOT / "tests" / "fixtures" / "compose-spec.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(_compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_compose_runs_two_web_hosts_a_worker_postgresql_and_redis_in_order():
    """Two web containers and a worker on PostgreSQL and Redis, each with a healthcheck,
    started only once the database and Redis are healthy and the migrations have run?"""
    services = _compose()["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
        env = services[name]["environment"]
        assert (
            env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
        )
        assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert services["migrate"]["command"] == ["migrate"]
    for name, service in services.items():
        for needed, condition in (service.get("depends_on") or {}).items():
            assert needed in services
            if condition["condition"] == "service_healthy":
                assert "test" in services[needed]["healthcheck"], f"{name} waits on {needed}"
    commands = {s["healthcheck"]["test"][-1] for s in (services["web"], services["worker"])}
    assert commands == {"healthcheck", "worker-alive"}
    for command in commands:
        assert f"  {command})" in ENTRYPOINT.read_text()


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_image_runs_gunicorn_as_a_non_root_user_with_a_healthcheck():
    """python:3.11-slim, a non-root user, the entry point script, a healthcheck on /healthz,
    and only files that exist copied in?"""
    steps = _instructions()
    assert steps[0] == ("FROM", "python:3.11-slim-bookworm")
    users = [rest for keyword, rest in steps if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    healthcheck = next(rest for keyword, rest in steps if keyword == "HEALTHCHECK")
    assert healthcheck.endswith('CMD ["herald", "healthcheck"]')
    assert ("ENTRYPOINT", '["herald"]') in steps and ("CMD", '["web"]') in steps
    assert "/healthz" in ENTRYPOINT.read_text()
    assert "exec gunicorn -c python:app.ops.gunicorn_conf wsgi:app" in ENTRYPOINT.read_text()
    for keyword, rest in steps:
        if keyword == "COPY":
            sources = [part for part in rest.split() if not part.startswith("--")][:-1]
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored


def _entrypoint_env(database_url: str, port: int) -> dict:
    venv_bin = str(Path(sys.executable).parent)
    return environment(
        database_url,
        HERALD_HOME=str(ROOT),
        PATH=f"{venv_bin}:{os.environ['PATH']}",
        PORT=str(port),
        HERALD_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        HERALD_TICK_SECONDS="0.5",
        HERALD_READY_HEARTBEAT_SECONDS="5",
        HERALD_ENV="production",
        SECRET_KEY=SECRET,
    )


def _herald(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_the_entry_commands_run_outside_a_container(databases, tmp_path):
    """`herald migrate`, `herald web`, `herald worker` and both healthchecks, run as the
    image runs them, on a new database: migrated, serving, ready, healthy?"""
    port = free_port()
    env = _entrypoint_env(databases.url(), port)
    assert _herald("healthcheck", env=env).returncode != 0  # nothing serves yet
    migrated = _herald("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "Running upgrade" in migrated.stderr and "worker heartbeat" in migrated.stderr
    web = Process(["sh", str(ENTRYPOINT), "web"], env, tmp_path / "web.log")
    worker = None
    try:
        wait_for(lambda: _herald("healthcheck", env=env).returncode == 0, 60, 0.5, "healthy web")
        base = f"http://127.0.0.1:{port}"
        assert fetch(base + "/readyz")[0] == 503
        assert _herald("worker-alive", env=env).returncode == 1
        worker = Process(["sh", str(ENTRYPOINT), "worker"], env, tmp_path / "worker.log")
        wait_for(lambda: fetch(base + "/readyz")[0] == 200, 60, 0.5, "ready with a worker")
        assert _herald("worker-alive", env=env).returncode == 0
        exported = _herald("flask", "--app", "wsgi", "export", "-", env=env)
        assert json.loads(exported.stdout)["format"] == "herald-page"
    finally:
        if worker is not None:
            worker.stop()
        web.stop()
    log = web.output()
    assert re.search(r'"logger": "herald.access"', log)  # JSON logs, as in production
    assert _herald("healthcheck", env=env).returncode != 0
