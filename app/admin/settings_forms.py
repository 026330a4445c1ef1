"""The page settings form."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, URLField
from wtforms.fields import ColorField
from wtforms.validators import Optional

from app.admin.forms import AdminForm, AtMost, Checked, Required, text_field
from app.services import validate
from app.services.page import MAX_NAME, parse_time_zone, time_zone_names


def _url_field(label: str, description: str) -> URLField:
    # The service names the field as the label does, in lower case but for "URL".
    name = label[:1].lower() + label[1:]
    check = Checked(lambda value: validate.http_url(value, name))
    return URLField(label, [Optional(), AtMost(validate.MAX_URL), check], description=description)


class SettingsForm(AdminForm):
    service_fields = {
        "page name": "name",
        "public URL": "url",
        "logo URL": "logo_url",
        "accent colour": "accent_color",
        "support URL": "support_url",
    }

    name = text_field("Page name", MAX_NAME, required="Enter the page name.")
    url = _url_field("Public URL", "Where visitors reach the status page, e.g. https://status…")
    logo_url = _url_field("Logo URL", "An image shown instead of the page name. Optional.")
    accent_color = ColorField(
        "Accent colour", [Required("Pick an accent colour."), Checked(validate.color)]
    )
    support_url = _url_field("Support URL", "Linked from the page header. Optional.")
    # The service checks the zone and says what it expects in plain words.
    time_zone = SelectField("Display time zone", [Checked(parse_time_zone)], validate_choice=False)

    def offer_time_zones(self) -> None:
        """Every IANA zone; a saved zone tzdata has since dropped stays, so it can be changed."""
        self.time_zone.choices = time_zone_names()
        if self.time_zone.data and self.time_zone.data not in self.time_zone.choices:
            self.time_zone.choices = [self.time_zone.data, *self.time_zone.choices]


class UptimeSettingsForm(AdminForm):
    """How the uptime figures count scheduled maintenance (its own small form and route)."""

    count_maintenance = BooleanField(
        "Count scheduled maintenance as downtime",
        description="Off: maintenance counts as up, as on Statuspage. The uptime page says which.",
    )
