"""The form of the priority matrix: one priority select per impact and urgency."""

from __future__ import annotations

from app.admin.forms import AdminForm, choice_field, enum_choices
from app.models import InternalImpact, Priority, Urgency
from app.services.priority import IMPACTS, URGENCIES, Matrix

PRIORITY_CHOICES = enum_choices(Priority)


def cell_name(impact: InternalImpact, urgency: Urgency) -> str:
    """The field of one cell, also the service's name for it in a refusal."""
    return f"{impact.value}_{urgency.value}"


class MatrixForm(AdminForm):
    """Sixteen selects, `extensive_critical` … `minor_low`, added below."""

    def cells(self) -> dict[tuple[str, str], str]:
        """What was chosen, as the service takes it."""
        return {(i.value, u.value): self[cell_name(i, u)].data for i in IMPACTS for u in URGENCIES}

    @classmethod
    def showing(cls, matrix: Matrix) -> MatrixForm:
        return cls(data={cell_name(i, u): p.value for (i, u), p in matrix.items()})


for _impact in IMPACTS:
    for _urgency in URGENCIES:
        setattr(
            MatrixForm,
            cell_name(_impact, _urgency),
            choice_field(f"{_impact.label} impact, {_urgency.label} urgency", PRIORITY_CHOICES),
        )
