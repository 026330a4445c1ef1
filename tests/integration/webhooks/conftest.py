"""A real HTTPS receiver on 127.0.0.1, trusted by these tests only, and delivery rows to send."""

from __future__ import annotations

import pytest

from tests.subscriber_fixtures import catalogue, mail_off, mail_on  # noqa: F401
from tests.webhook_receiver import Receiver, server_context


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    """A certificate authority made for this run; the CA file the app is told to trust."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, str(path)


@pytest.fixture
def sending(app, test_ca):
    """The test-only settings: loopback receivers, the test CA, a short timeout."""
    settings = {
        "WEBHOOK_ALLOW_LOOPBACK": True,
        "WEBHOOK_CA_FILE": test_ca[1],
        "WEBHOOK_TIMEOUT_SECONDS": 1.5,
        "SITE_URL": "https://status.example.com",
    }
    before = {name: app.config.get(name) for name in settings}
    app.config.update(settings)
    yield
    for name, value in before.items():
        if value is None:
            app.config.pop(name, None)
        else:
            app.config[name] = value


@pytest.fixture(scope="session")
def tls(test_ca):
    """The receiver's TLS settings: a certificate from the test CA (made once)."""
    return server_context(test_ca[0])


@pytest.fixture
def receiver(tls):
    server = Receiver(tls)
    yield server
    server.close()


@pytest.fixture
def plain_receiver():
    """The same receiver without TLS (plain http)."""
    server = Receiver(None)
    yield server
    server.close()
