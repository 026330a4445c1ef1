"""The Embed page's choices: a form read from the query string, so a preview is a link."""

from __future__ import annotations

from flask import request
from wtforms import SelectField

from app.admin.forms import AdminForm, Checked, choice_field, choices, text_field
from app.models import Component
from app.services import embed
from app.services.embed import MAX_LABEL, POSITIONS, EmbedOptions, parse_options

THEME_CHOICES = choices(
    [
        ("light", "Light (most sites)"),
        ("dark", "Dark"),
        ("auto", "Auto (the visitor's setting)"),
    ]
)
POSITION_CHOICES = choices((p, p.replace("-", " ").capitalize()) for p in POSITIONS)


class EmbedForm(AdminForm):
    """Theme, pop-up position and colour, and which badge; nothing is saved."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    # Every choice is checked by the service's own rule, so all mistakes show at once.
    theme = SelectField(
        "Card theme",
        [Checked(embed.check_theme)],
        choices=THEME_CHOICES,
        default="light",
        validate_choice=False,
    )
    position = SelectField(
        "Pop-up position",
        [Checked(embed.check_position)],
        choices=POSITION_CHOICES,
        default=POSITIONS[0],
        validate_choice=False,
    )
    background = text_field(
        "Pop-up colour",
        7,
        required=False,
        description="Like #cf222e. Leave empty to colour the notice by the status.",
        also=(Checked(embed.check_background),),
    )
    component = choice_field("Badge for", [])
    label = text_field(
        "Badge label",
        MAX_LABEL,
        required=False,
        description="The badge's left-hand text. Empty: “status”, or the component's name.",
        also=(Checked(embed.badge_label),),
    )

    @classmethod
    def from_query(cls, components: list[Component]) -> EmbedForm:
        form = cls(formdata=request.args if request.args else None)
        form.component.choices = choices(
            [("", "The whole page"), *((c.code, c.name) for c in components)]
        )
        codes = [c.code for c in components]
        form.component.validators = [Checked(lambda code: embed.check_component(code, codes))]
        return form

    def options(self, components: list[Component]) -> EmbedOptions:
        """The chosen options (raises Invalid, naming the field, for a value not on offer)."""
        return parse_options(
            theme=self.theme.data,
            position=self.position.data,
            background=self.background.data,
            component=self.component.data,
            label=self.label.data,
            component_codes=[c.code for c in components],
        )
