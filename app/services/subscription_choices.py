"""What a subscriber follows: everything, chosen components and whole groups, single incidents.

The subscribe and manage forms show one checkbox per group ("all of it,
including components added later") and one per component, all ticked by
default. `from_checkboxes` turns what was ticked into the subscriber's
targets the way a person reads the form; `replace` stores them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Component, ComponentGroup, Incident, Subscriber, SubscriptionTarget
from app.services.errors import Invalid, NotFound

# A form never has this many boxes; more is a forged request, refused before any query.
MAX_CHOICES = 1000
GONE = "A component or group you chose no longer exists. Reload the page and choose again."


@dataclass(frozen=True)
class Ticked:
    """The boxes to show ticked for a subscriber, and the incidents they follow one by one."""

    component_ids: frozenset[int]
    group_ids: frozenset[int]
    incidents: list[Incident]


def _ids(values: Iterable[int] | None) -> set[int]:
    found = set(values or ())
    if len(found) > MAX_CHOICES:
        raise Invalid("Too many components chosen.", "components")
    return found


def _catalogue() -> tuple[dict[int, Component], set[int]]:
    components = {c.id: c for c in db.session.scalars(select(Component))}
    return components, set(db.session.scalars(select(ComponentGroup.id)))


def from_checkboxes(
    component_ids: Iterable[int] | None, group_ids: Iterable[int] | None
) -> tuple[list[int] | None, list[int] | None]:
    """(components, whole groups) from the ticked boxes; (None, None) means everything.

    A group counts as whole only when its box and all its components' boxes
    are ticked: without JavaScript, unticking a component inside a ticked group
    must still leave that component out.
    """
    components, groups = _catalogue()
    chosen_components, chosen_groups = _ids(component_ids), _ids(group_ids)
    if not chosen_components <= components.keys() or not chosen_groups <= groups:
        raise Invalid(GONE, "components")
    if chosen_components == components.keys() and chosen_groups == groups:
        return None, None
    children: dict[int, set[int]] = {group_id: set() for group_id in groups}
    for component in components.values():
        if component.group_id is not None:
            children[component.group_id].add(component.id)
    whole = {g for g in chosen_groups if children[g] <= chosen_components}
    singles = {c for c in chosen_components if components[c].group_id not in whole}
    return sorted(singles), sorted(whole)


@dataclass(frozen=True)
class Choice:
    """A checked choice: `components` None means everything (and components added later)."""

    components: frozenset[int] | None
    groups: frozenset[int]
    incident: Incident | None


def check(
    component_ids: Iterable[int] | None,
    group_ids: Iterable[int] | None,
    incident_id: int | None = None,
) -> Choice:
    """Validate a choice before anything is written.

    Both id lists None: everything, or only the incident when one is given.
    Unknown ids are refused, and so is a choice of nothing at all.
    """
    incident = None
    if incident_id is not None:
        incident = db.session.get(Incident, incident_id)
        if incident is None:
            raise NotFound("No such incident: it may have been deleted.")
    if component_ids is None and group_ids is None:
        if incident is None:
            return Choice(None, frozenset(), None)
        return Choice(frozenset(), frozenset(), incident)
    components, groups = _ids(component_ids), _ids(group_ids)
    _all_known(Component, components)
    _all_known(ComponentGroup, groups)
    if not components and not groups and incident is None:
        raise Invalid("Choose at least one component or group, or all of them.", "components")
    return Choice(frozenset(components), frozenset(groups), incident)


def _all_known(model, ids: set[int]) -> None:
    if ids and set(db.session.scalars(select(model.id).where(model.id.in_(ids)))) != ids:
        raise Invalid(GONE, "components")


def replace(subscriber: Subscriber, choice: Choice, *, keep_incidents: bool) -> None:
    """Make `choice` the subscriber's targets; `keep_incidents` keeps incidents followed."""
    kept = [t for t in subscriber.targets if keep_incidents and t.incident_id is not None]
    followed = {t.incident_id for t in kept}
    subscriber.all_components = choice.components is None
    targets = list(kept)
    targets += [SubscriptionTarget(component_id=c) for c in sorted(choice.components or ())]
    targets += [SubscriptionTarget(group_id=g) for g in sorted(choice.groups)]
    if choice.incident is not None and choice.incident.id not in followed:
        targets.append(SubscriptionTarget(incident_id=choice.incident.id))
    subscriber.targets = targets


def ticked(subscriber: Subscriber) -> Ticked:
    """The boxes a form shows ticked for `subscriber` (all of them when it follows everything)."""
    components, groups = _catalogue()
    incident_ids = [t.incident_id for t in subscriber.targets if t.incident_id is not None]
    incidents = (
        list(
            db.session.scalars(
                select(Incident).where(Incident.id.in_(incident_ids)).order_by(Incident.id)
            )
        )
        if incident_ids
        else []
    )
    if subscriber.all_components:
        return Ticked(frozenset(components), frozenset(groups), incidents)
    group_ids = {t.group_id for t in subscriber.targets if t.group_id is not None}
    component_ids = {t.component_id for t in subscriber.targets if t.component_id is not None}
    component_ids |= {c.id for c in components.values() if c.group_id in group_ids}
    return Ticked(frozenset(component_ids), frozenset(group_ids), incidents)


def for_form() -> list[tuple[ComponentGroup | None, list[Component]]]:
    """Groups in page order with their components, then the components in no group."""
    components = list(
        db.session.scalars(select(Component).order_by(Component.position, Component.id))
    )
    groups = db.session.scalars(
        select(ComponentGroup).order_by(ComponentGroup.position, ComponentGroup.id)
    )
    sections: list[tuple[ComponentGroup | None, list[Component]]] = [
        (group, [c for c in components if c.group_id == group.id]) for group in groups
    ]
    ungrouped = [c for c in components if c.group_id is None]
    return sections + ([(None, ungrouped)] if ungrouped else [])


def describe(subscriber: Subscriber) -> list[str] | None:
    """What the subscriber follows, in words; None when it is everything."""
    if subscriber.all_components and not any(t.incident_id for t in subscriber.targets):
        return None
    names = dict(db.session.execute(select(Component.id, Component.name)).all())
    groups = dict(db.session.execute(select(ComponentGroup.id, ComponentGroup.name)).all())
    words = ["Every component"] if subscriber.all_components else []
    for target in subscriber.targets:
        if target.group_id is not None:
            words.append(f"{groups.get(target.group_id, '?')} (the whole group)")
        elif target.component_id is not None:
            words.append(names.get(target.component_id, "?"))
    for incident in ticked(subscriber).incidents:
        kind = "maintenance" if incident.is_maintenance else "incident"
        words.append(f"The {kind} “{incident.name}”")
    return words
