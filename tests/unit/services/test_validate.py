"""The input checks every service shares."""

from __future__ import annotations

import pytest

from app.models import ComponentStatus, IncidentStatus
from app.models.enums import MAINTENANCE_STATUSES
from app.services import validate
from app.services.errors import Invalid


def test_a_choice_comes_back_as_its_member():
    """Is a value that names an allowed member given back as that member?"""
    assert validate.choice(ComponentStatus, "major_outage", "status") is (
        ComponentStatus.MAJOR_OUTAGE
    )
    assert validate.choice(MAINTENANCE_STATUSES, IncidentStatus.VERIFYING, "status") is (
        IncidentStatus.VERIFYING
    )


@pytest.mark.parametrize("value", ["on_fire", "", None, 3, "Major_Outage", " major_outage"])
def test_anything_else_is_refused_naming_every_allowed_value(value):
    """Is a made-up value refused with a message that lists what is allowed, for its field?"""
    with pytest.raises(Invalid) as error:
        validate.choice(ComponentStatus, value, "status", label="component status")
    assert error.value.field == "status"
    assert error.value.message == (
        "Component status must be one of: operational, degraded_performance, "
        "partial_outage, major_outage, under_maintenance."
    )


def test_a_member_of_the_enum_but_not_of_the_subset_is_refused():
    """Can an incident status be posted to a maintenance?"""
    with pytest.raises(Invalid, match="scheduled, in_progress, verifying, completed"):
        validate.choice(MAINTENANCE_STATUSES, IncidentStatus.RESOLVED, "status")
