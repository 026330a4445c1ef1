"""Does Herald installed from its wheel run, with nothing borrowed from the checkout?

The wheel is built from a copy of the sources and installed into a fresh virtualenv
with `--no-deps`; the dependencies come from the test venv through a .pth file, so
this runs offline. Every command runs from an empty directory, where the checkout
cannot be imported by accident.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from lxml import html

from tests.conftest import ROOT, csrf_token_from

SOURCES = ("pyproject.toml", "setup.py", "README.md", "app", "templates", "static", "migrations")
# Where each top-level folder of the checkout lands in the wheel.
SHIPPED_AS = {"app": "app", "templates": "app/templates", "static": "app/static"}
SHIPPED_AS["migrations"] = "app/migrations"
ADMIN_PASSWORD = "a long admin passphrase"


def _run(*args, cwd: Path, env: dict | None = None, timeout: float = 120) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`pip wheel` over a clean copy of the sources (no stale build/ of the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    skip = shutil.ignore_patterns("__pycache__")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=skip)
        else:
            shutil.copy2(ROOT / name, source / name)
    offline = ("--no-deps", "--no-build-isolation", "--no-index")
    _run(sys.executable, "-m", "pip", "wheel", *offline, "-w", work, source, cwd=work)
    (built,) = work.glob("herald-*.whl")
    return built


def _checkout_files() -> set[str]:
    files = set()
    for folder, shipped in SHIPPED_AS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                files.add(f"{shipped}/{path.relative_to(ROOT / folder).as_posix()}")
    return files


def test_the_wheel_holds_every_module_template_asset_and_migration(wheel):
    """Is every file of app/, templates/, static/ and migrations/ in the wheel?"""
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    missing = sorted(_checkout_files() - shipped)
    assert not missing, f"not in the wheel (see package-data in pyproject.toml): {missing}"


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv holding the wheel; returns its python."""
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv)
    python = venv / "bin" / "python"
    pip = (sys.executable, "-m", "pip", "--python", python)
    _run(*pip, "install", "--no-deps", "--no-index", wheel, cwd=venv)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv)
    # Only the dependencies come from the test venv: .pth files found in a directory that
    # a .pth added are not run, so the checkout's editable install stays out.
    deps = sysconfig.get_paths()["purelib"]
    (Path(site.strip()) / "herald-test-dependencies.pth").write_text(deps + "\n")
    return python


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, opener=None):
    with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read().decode()


def _wait_for(url: str, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early:\n{process.stdout.read()}")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds} s")


@pytest.fixture
def elsewhere(tmp_path) -> tuple[Path, dict]:
    """An empty directory to run from, and an environment naming a SQLite file there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "PYTHON"))}
    env.pop("REDIS_URL", None)
    return tmp_path, env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'herald.db'}"}


def _login(base: str, email: str, password: str) -> str:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    _, _, login_page = _get(base + "/admin/login", opener)
    form = {"email": email, "password": password, "csrf_token": csrf_token_from(login_page)}
    with opener.open(base + "/admin/login", data=urlencode(form).encode(), timeout=10) as landed:
        return landed.read().decode()


def test_the_installed_wheel_migrates_creates_an_admin_and_serves_the_page(installed, elsewhere):
    """Installed from the wheel and run from another directory, does Herald migrate a
    database, create an admin, serve the status page with its stylesheets, and let
    that admin log in?"""
    where, env = elsewhere
    find = "import importlib.util; print(importlib.util.find_spec('app').origin)"
    located = _run(installed, "-c", find, cwd=where, env=env)
    assert Path(located.strip()).is_relative_to(installed.parent.parent), located

    flask = (installed, "-m", "flask", "--app", "app")
    _run(*flask, "db", "upgrade", cwd=where, env=env)
    with_password = env | {"HERALD_ADMIN_PASSWORD": ADMIN_PASSWORD}
    created = _run(*flask, "create-admin", "owner@example.com", cwd=where, env=with_password)
    assert "Created admin owner@example.com" in created

    port = _free_port()
    process = subprocess.Popen(
        [str(a) for a in flask] + ["serve", "--no-demo", "--port", str(port)],
        cwd=where,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/", process)
        status, _, page = _get(base + "/")
        assert status == 200
        stylesheets = html.fromstring(page).xpath('//link[@rel="stylesheet"]/@href')
        assert any(href.startswith("/static/") for href in stylesheets), stylesheets
        for href in stylesheets:
            assert _get(base + href)[:2] == (200, "text/css"), href
        assert "owner@example.com" in _login(base, "owner@example.com", ADMIN_PASSWORD)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # quick shutdown: nothing here tests a graceful one
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        process.stdout.close()
