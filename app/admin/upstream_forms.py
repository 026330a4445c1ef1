"""The form that makes a component follow another status page."""

from __future__ import annotations

from app.admin.forms import AdminForm, choice_field, choices, text_field
from app.delivery.ssrf import MAX_URL
from app.services.upstream import MAX_VENDOR


class UpstreamForm(AdminForm):
    url = text_field(
        "Status page",
        MAX_URL,
        required="Enter the address of the status page to follow.",
        description="Its address, e.g. https://www.githubstatus.com, or its /api/v2/summary.json.",
    )
    vendor = text_field(
        "Operated by",
        MAX_VENDOR,
        required="Name who runs it; visitors read “Operated by …”.",
        description="Shown to visitors beside the component, e.g. “GitHub”.",
    )
    upstream_component = choice_field("Follows the component", [])

    def offer(self, listing) -> UpstreamForm:
        """The upstream page's components, as last read, to choose from."""
        self.upstream_component.choices = choices(
            [("", "Choose one"), *((item["id"], item["name"]) for item in listing or ())]
        )
        return self
