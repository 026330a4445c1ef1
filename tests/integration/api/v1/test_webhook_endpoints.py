"""Webhook endpoints added through the API meet the same SSRF rule as on the public form."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, Subscriber
from tests.integration.api.v1.conftest import error_of


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("https://10.0.0.8/hook", "private or local address"),
        ("https://100.64.0.1/hook", "private or local address"),  # CGNAT
        ("https://169.254.169.254/latest/meta-data", "private or local address"),
        ("https://[fd00::1]/hook", "private or local address"),  # ULA
        ("https://[::ffff:127.0.0.1]/hook", "private or local address"),  # mapped
        ("https://localhost/hook", "private or local address"),
        ("http://93.184.216.34/hook", "must start with https://"),
    ],
)
def test_a_webhook_to_a_private_address_or_over_http_is_refused(admin_api, endpoint, reason):
    """Can a script register a webhook that points into Herald's own network, or over plain
    http? Refused with a 4xx naming the reason, and nothing stored or queued."""
    response = admin_api.post(
        "/api/v1/subscribers", json={"subscriber": {"endpoint": endpoint, "type": "webhook"}}
    )
    assert 400 <= response.status_code < 500, response.json
    assert reason in str(error_of(response)), response.json
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0
