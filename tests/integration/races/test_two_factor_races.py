"""The same one-time code sent by several browsers at the same moment, against a live
Herald (2 gunicorn workers): it logs in exactly one of them."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD
from tests.integration.races.conftest import MANAGERS
from tests.live import LiveClient
from tests.two_factor_helpers import code

RACERS = 4


def _enrol(site, email: str) -> tuple[str, list[str]]:
    """Turn on two-factor through the live site's own pages: (secret, recovery codes)."""
    client = site.server.client().login(email, PASSWORD)
    page = client.get("/admin/account/two-factor").text
    secret = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', page).group(1)
    secret = secret.replace(" ", "")
    shown = client.post("/admin/account/two-factor", {"code": code(secret), "password": PASSWORD})
    assert shown.status == 200, shown.text[:500]
    codes = re.findall(r"<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>", shown.text)
    assert len(codes) == 10
    return secret, codes


def _past_the_password(site, email: str) -> list[LiveClient]:
    clients = [site.server.client().login(email, PASSWORD) for _ in range(RACERS)]
    for client in clients:
        assert "Authentication code" in client.get("/admin/login/code").text
    return clients


def test_one_code_sent_at_once_by_several_browsers_logs_in_one(site):
    """If a code is replayed at the very moment I send it, does only one log-in succeed?"""
    email = MANAGERS[0]
    secret, _ = _enrol(site, email)
    clients = _past_the_password(site, email)
    seen = code(secret, 1)  # the next step's: the enrolment spent the current one
    answers = site.race(
        "one TOTP code", [lambda c=c: c.post("/admin/login/code", {"code": seen}) for c in clients]
    )
    statuses = sorted(a.status for a in answers)
    assert statuses == [302] + [401] * (RACERS - 1), [a.text[:300] for a in answers]
    assert sum("That code was used already." in a.text for a in answers) == RACERS - 1


def test_one_recovery_code_sent_at_once_logs_in_one(site):
    """Does a recovery code sent by several browsers at once work exactly once?"""
    email = MANAGERS[1]
    _, codes = _enrol(site, email)
    clients = _past_the_password(site, email)
    answers = site.race(
        "one recovery code",
        [lambda c=c: c.post("/admin/login/recovery", {"code": codes[0]}) for c in clients],
    )
    assert sorted(a.status for a in answers) == [302] + [401] * (RACERS - 1)
