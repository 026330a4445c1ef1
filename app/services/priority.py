"""ITIL priority: an incident's internal impact and urgency, the matrix that derives its
priority from them, and its owner. Internal to the managers: nothing here reaches the
public side or /api/v2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sqlalchemy import select, update

from app.extensions import db
from app.models import Incident, InternalImpact, Priority, PriorityRule, Role, Urgency, User
from app.services import audit, validate
from app.services.errors import Invalid
from app.services.tx import locked, transactional

IMPACTS = tuple(InternalImpact)
URGENCIES = tuple(Urgency)
Matrix = dict[tuple[InternalImpact, Urgency], Priority]

# ITIL's usual 4×4 matrix: the most pressing corner P1, the least P5, each step of
# impact or urgency worth about one priority.
_DEFAULT_ROWS = {
    InternalImpact.EXTENSIVE: ("p1", "p2", "p2", "p3"),
    InternalImpact.SIGNIFICANT: ("p2", "p2", "p3", "p4"),
    InternalImpact.MODERATE: ("p2", "p3", "p4", "p5"),
    InternalImpact.MINOR: ("p3", "p4", "p5", "p5"),
}
DEFAULT_MATRIX: Final[Matrix] = {
    (impact, urgency): Priority(value)
    for impact, row in _DEFAULT_ROWS.items()
    for urgency, value in zip(URGENCIES, row, strict=True)
}
OWNER_ROLES = (Role.ADMIN, Role.MANAGER)
# "Leave as it is" for classify(): None means "clear it".
KEEP: Final = object()


def parse_internal_impact(value) -> InternalImpact | None:
    """An internal impact, or None for none (an empty choice)."""
    if value in (None, ""):
        return None
    return validate.choice(IMPACTS, value, "internal_impact", label="internal impact")


def parse_urgency(value) -> Urgency | None:
    """An urgency, or None for none (an empty choice)."""
    if value in (None, ""):
        return None
    return validate.choice(URGENCIES, value, "urgency")


def matrix() -> Matrix:
    """The matrix in force: the saved cells over the default."""
    saved = db.session.execute(select(PriorityRule)).scalars()
    return DEFAULT_MATRIX | {(r.internal_impact, r.urgency): r.priority for r in saved}


def derive(impact: InternalImpact | None, urgency: Urgency | None) -> Priority | None:
    """The priority of a classification by the matrix in force; none until both are set."""
    if impact is None or urgency is None:
        return None
    return matrix()[(impact, urgency)]


def owner_candidates() -> list[User]:
    """The users who may own an incident: active managers and admins, by address."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_(OWNER_ROLES))
            .order_by(User.email)
        )
    )


def owner_by_email(email) -> int | None:
    """The id of the user with this address, for callers that name owners by address
    (the API); None for None. Who may own is checked by `assign`."""
    if email is None:
        return None
    user = db.session.scalar(select(User).where(User.email == str(email).strip().lower()))
    if user is None:
        raise Invalid("No user has that address.", "owner")
    return user.id


def _owner(owner_id) -> User | None:
    if owner_id in (None, ""):
        return None
    user = db.session.get(User, owner_id) if isinstance(owner_id, int) else None
    if user is None or not user.active or user.role not in OWNER_ROLES:
        raise Invalid("The owner must be an active manager or admin.", "owner")
    return user


def assign(incident: Incident, *, internal_impact=KEEP, urgency=KEEP, owner_id=KEEP) -> dict:
    """Set what is given on `incident` (in the caller's transaction) and derive its priority.
    Returns the fields that changed, for the caller's audit entry."""
    before = _fields(incident)
    if internal_impact is not KEEP:
        incident.internal_impact = parse_internal_impact(internal_impact)
    if urgency is not KEEP:
        incident.urgency = parse_urgency(urgency)
    if owner_id is not KEEP:
        incident.owner_id = owner.id if (owner := _owner(owner_id)) else None
    incident.priority = derive(incident.internal_impact, incident.urgency)
    after = _fields(incident)
    return {name: value for name, value in after.items() if before[name] != value}


def _fields(incident: Incident) -> dict:
    return {
        "internal_impact": incident.internal_impact,
        "urgency": incident.urgency,
        "priority": incident.priority,
        "owner_id": incident.owner_id,
    }


@transactional
def classify(
    incident: Incident, *, internal_impact=KEEP, urgency=KEEP, owner_id=KEEP, actor=None
) -> Incident:
    """Change an incident's internal impact, urgency or owner (None clears one); recorded
    in the audit log when anything changed. Not the public side's business: the page
    version stays."""
    incident = locked(Incident, incident, missing="This incident no longer exists.")
    if incident.is_maintenance:
        raise Invalid("Maintenance has no priority or owner.", "internal_impact")
    changed = assign(incident, internal_impact=internal_impact, urgency=urgency, owner_id=owner_id)
    if changed:
        audit.record(actor, "incident.classify", "incident", incident.id, **changed)
    return incident


@transactional
def save_matrix(cells: Mapping[tuple[str, str], str], *, actor=None) -> Matrix:
    """Replace the matrix (all 16 cells) and re-derive every classified incident's priority,
    in the database, one statement per cell that changed."""
    wanted = _parse_cells(cells)
    current = matrix()
    changed = {cell: p for cell, p in wanted.items() if current[cell] != p}
    db.session.execute(PriorityRule.__table__.delete())
    db.session.execute(
        PriorityRule.__table__.insert(),
        [
            {"internal_impact": i.value, "urgency": u.value, "priority": p.value}
            for (i, u), p in wanted.items()
        ],
    )
    for (impact, urgency), priority in changed.items():
        db.session.execute(
            update(Incident)
            .where(Incident.internal_impact == impact, Incident.urgency == urgency)
            .values(priority=priority)
        )
    if changed:
        audit.record(
            actor,
            "priority_matrix.save",
            "priority_matrix",
            changed={f"{i.value}/{u.value}": p.value for (i, u), p in changed.items()},
        )
    return wanted


def _parse_cells(cells: Mapping[tuple[str, str], str]) -> Matrix:
    parsed: Matrix = {}
    for impact in IMPACTS:
        for urgency in URGENCIES:
            value = cells.get((impact.value, urgency.value))
            if value is None:
                raise Invalid(
                    f"Choose a priority for {impact.label} impact, {urgency.label} urgency.",
                    f"{impact.value}_{urgency.value}",
                )
            parsed[(impact, urgency)] = validate.choice(
                Priority, value, f"{impact.value}_{urgency.value}", label="priority"
            )
    return parsed
