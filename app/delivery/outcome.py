"""What one attempt to deliver one notification to one subscriber came to.

Every channel (email, webhook, Slack, Discord) answers with an `Outcome`; the
delivery loop alone decides what that means for the ledger row (sent, retried
later with backoff, the subscriber bounced, or dead-lettered), so the channels
know nothing of retries and the loop knows nothing of SMTP or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Result(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a temporary failure: SMTP 4xx, a timeout, HTTP 5xx or 429
    BOUNCE = "bounce"  # the recipient itself was refused for good: SMTP 5xx for it, HTTP 410
    DEAD = "dead"  # this message can never be delivered (e.g. HTTP 4xx); no retry


@dataclass(frozen=True)
class Outcome:
    result: Result
    error: str | None = None  # for the admin's delivery history, never a secret
    message_id: str | None = None  # the id the receiver will see, when there is one
    retry_after: float | None = None  # seconds the receiver asked us to wait (Retry-After)

    @classmethod
    def sent(cls, message_id: str | None = None) -> Outcome:
        return cls(Result.SENT, message_id=message_id)
