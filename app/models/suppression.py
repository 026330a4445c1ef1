"""The suppression list: addresses Herald must not write to again unless an admin says so.

An address lands here when an admin removes its subscriber (an erasure request, or a
complaint that our mail is spam). The row keeps a SHA-256 of the kind and normalised
address, not the address: erasure means Herald no longer holds it, yet a sign-up or an
import of the same address must still be recognised. A plain hash rather than one keyed
with SECRET_KEY, because a keyed hash would silently forget every suppression when the
key is rotated. Addresses that hard-bounce stay subscribers in the quarantined state
(their address is needed to show and reinstate them); they are suppressed by that state.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.subscriber import SubscriberKind
from app.models.types import UTCDateTime, enum_column


class SuppressionReason(StrEnum):
    REMOVED = "removed"  # removed by an admin, on the person's request
    COMPLAINED = "complained"  # the person reported our mail as spam

    @property
    def label(self) -> str:
        return {
            "removed": "Removed on request",
            "complained": "Complained (reported as spam)",
        }[self.value]


class Suppression(db.Model):
    __tablename__ = "suppression"
    __table_args__ = (UniqueConstraint("address_hash", name="uq_suppression_address_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SubscriberKind] = mapped_column(enum_column(SubscriberKind, 16))
    address_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[SuppressionReason] = mapped_column(enum_column(SuppressionReason, 16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
