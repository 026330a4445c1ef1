"""Forms of the components page: a component, a group."""

from __future__ import annotations

from app.admin.forms import AdminForm, choice_field, choices, enum_choices, text_field
from app.admin.parsers import optional_int
from app.models import ComponentGroup, ComponentStatus
from app.services.components import MAX_DESCRIPTION, MAX_NAME


class GroupForm(AdminForm):
    name = text_field("Name", MAX_NAME)
    description = text_field("Description", MAX_DESCRIPTION, required=False, area=True)


class ComponentForm(GroupForm):
    service_fields = {"group": "group_id"}

    group_id = choice_field("Group", [])
    status = choice_field("Status", enum_choices(ComponentStatus), ComponentStatus.OPERATIONAL)

    def offer_groups(self, groups: list[ComponentGroup]) -> None:
        self.group_id.choices = choices([("", "No group"), *((str(g.id), g.name) for g in groups)])

    def details(self) -> dict:
        """Name, description and group, as the services take them."""
        return {
            "name": self.name.data,
            "description": self.description.data,
            "group_id": optional_int(self.group_id.data, "group"),
        }


class StatusForm(AdminForm):
    """The status select beside each component on the list."""

    status = choice_field("Status", enum_choices(ComponentStatus))
