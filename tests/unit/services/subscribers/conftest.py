"""The subscriber fixtures (tests/subscriber_fixtures.py) for this folder."""

from tests.subscriber_fixtures import (  # noqa: F401
    catalogue,
    loopback_webhooks,
    mail_off,
    mail_on,
)
from tests.subscriber_records import people  # noqa: F401
