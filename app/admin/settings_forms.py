"""The page settings forms: name, links, colour and zone; the uploaded logo and favicon."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, FileField, SelectField, URLField
from wtforms.fields import ColorField
from wtforms.validators import Optional

from app.admin.forms import AdminForm, AtMost, Checked, Required, text_field
from app.services import page_images, validate
from app.services.page import MAX_NAME, check_logo_url, parse_time_zone, time_zone_names


def _url_field(label: str, description: str) -> URLField:
    # The service names the field as the label does, in lower case but for "URL".
    name = label[:1].lower() + label[1:]
    check = Checked(lambda value: validate.http_url(value, name))
    return URLField(label, [Optional(), AtMost(validate.MAX_URL), check], description=description)


class SettingsForm(AdminForm):
    service_fields = {
        "page name": "name",
        "logo URL": "logo_url",
        "accent colour": "accent_color",
        "support URL": "support_url",
    }

    name = text_field("Page name", MAX_NAME, required="Enter the page name.")
    logo_url = URLField(
        "Logo URL",
        [Optional(), AtMost(validate.MAX_URL), Checked(check_logo_url)],
        description="An https:// image shown instead of the page name, if none is uploaded. "
        "Optional.",
    )
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


class ImageUploadField(FileField):
    """A file input whose `data` is the uploaded bytes (None when no file was chosen)."""

    def process_formdata(self, valuelist) -> None:
        upload = valuelist[0] if valuelist else None
        self.data = upload.read() if isinstance(upload, FileStorage) and upload.filename else None


def _image_field(kind: str, label: str) -> ImageUploadField:
    limit = page_images.LIMITS[kind]
    hint = (
        f"{page_images.ACCEPTED}; at most {limit.max_bytes // 1024} KB and "
        f"{limit.max_side}×{limit.max_side} pixels. SVG is not accepted."
    )
    check = Checked(lambda data: data and page_images.inspect_image(data, kind))
    return ImageUploadField(label, [check], description=hint)


class ImagesForm(AdminForm):
    """Upload or remove the logo and the favicon; each file is checked by its content."""

    logo = _image_field("logo", "Logo")
    favicon = _image_field("favicon", "Favicon")
    remove_logo = BooleanField("Remove the uploaded logo")
    remove_favicon = BooleanField("Remove the uploaded favicon (Herald's icon comes back)")

    def removals(self) -> tuple[str, ...]:
        return tuple(k for k in page_images.KINDS if self[f"remove_{k}"].data)


class UptimeSettingsForm(AdminForm):
    """How the uptime figures count scheduled maintenance (its own small form and route)."""

    count_maintenance = BooleanField(
        "Count scheduled maintenance as downtime",
        description="Off: maintenance counts as up, as on Statuspage. The uptime page says which.",
    )
