"""The subscriber fixtures for the subscriber admin pages in this folder."""

from tests.subscriber_fixtures import catalogue, mail_off, mail_on  # noqa: F401
from tests.subscriber_records import people  # noqa: F401
