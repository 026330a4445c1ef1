"""Who a mail says it is from, its list and its Message-ID, as a mail server receives them."""

from __future__ import annotations

import pytest

from app.services import incidents
from tests.conftest import _empty_tables
from tests.integration.delivery.conftest import confirmed, deliver
from tests.subscriber_fixtures import build_catalogue
from tests.unit.test_mail_identity import SITES


@pytest.fixture
def site(app, mail):
    """Set the site's address (and no MAIL_FROM, as on a fresh clone) for one test."""
    before = {key: app.config[key] for key in ("SITE_URL", "MAIL_FROM")}

    def at(url: str) -> None:
        app.config.update(SITE_URL=url, MAIL_FROM=None)

    yield at
    app.config.update(before)


def _open(catalogue):
    return incidents.open_incident(
        name="API errors",
        impact="major",
        message="Looking into it.",
        components={catalogue.api_id: "major_outage"},
    )


@pytest.mark.parametrize(("site_url", "domain", "list_id"), SITES[:3])
def test_a_site_on_an_ip_address_writes_it_as_a_domain_literal(
    app, mail, site, catalogue, site_url, domain, list_id
):
    """Served at an IP address with no MAIL_FROM, does the mail come from noreply@[address]
    (in the envelope too), with a List-Id a mail client can filter on and a Message-ID under
    the same literal — and under a real host name, that name?"""
    site(site_url)
    confirmed("ada@example.com")
    incident = _open(catalogue)
    deliver(app)
    incidents.post_update(incident, status="identified", message="Found it.")
    deliver(app)
    first, second = mail.to("ada@example.com")
    assert first.sender == f"noreply@{domain}"
    assert first.message["From"] == f"Herald Status <noreply@{domain}>"
    assert first.message["From"].addresses[0].domain == domain
    assert first.message["List-Id"] == f"Herald Status <{list_id}>"
    assert first.message["Message-ID"].endswith(f"@{domain}>")
    assert second.message["In-Reply-To"] == first.message["Message-ID"]


def test_a_fresh_database_does_not_reuse_message_ids(app, mail, catalogue):
    """When the database is emptied and its ids start again at 1 (a fresh or restored
    database), does the first mail of a new incident get a Message-ID of its own, one mail
    clients will not drop as a copy of the mail sent before?"""
    confirmed("ada@example.com")
    _open(catalogue)
    deliver(app)
    _empty_tables()
    confirmed("ada@example.com")
    _open(build_catalogue())
    deliver(app)
    before, after = (r.message["Message-ID"] for r in mail.to("ada@example.com"))
    assert before.startswith("<herald.n1.s1.") and after.startswith("<herald.n1.s1.")
    assert before != after
