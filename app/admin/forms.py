"""The admin form layer: one base form, the field checks every form uses, and `submit`,
the one sequence every admin form page runs.

A new admin page is a form class, a service call and a template:

    class ThingForm(AdminForm):
        name = text_field("Name", things.MAX_NAME)  # the limit is the service's

    @bp.route("/things/new", methods=["GET", "POST"])
    def thing_new():
        form = ThingForm()

        def save():
            thing = things.create(name=form.name.data, actor=current_actor())
            return saved(f"“{thing.name}” created.", url_for("admin.things"))

        return submit(form, save, lambda: render_template("admin/things/new.html", form=form))

The template renders the form with the macros of `admin/_forms.html`. A form checks
shape (filled in, not too long) so that every mistake shows at once, next to its
field; it never holds a rule of its own: limits are imported from the service that
enforces them, and a rule worth checking early is the service's own check, run
through `Checked`. The service has the last word; its message lands on the field
it names, or on top of the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import FieldList, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from app.services.errors import Invalid, NotFound, ServiceError


class AdminForm(FlaskForm):
    """The base of every admin form.

    CSRF is on: the form checks the same token the app-wide CSRFProtect checked
    before the view ran, and `form.csrf_token` renders it.
    """

    # Where a service's name for a field differs from the form's: {service's: form's}.
    service_fields: ClassVar[Mapping[str, str]] = {}

    @property
    def messages(self) -> list[str]:
        """Every error of the form, those on top first: for a page that lists them together."""
        on_fields = [m for f in self if isinstance(f.errors, list) for m in f.errors]
        return [*self.form_errors, *(m for m in on_fields if isinstance(m, str))]

    def add_error(self, message: str, field: str | None = None) -> None:
        """Show `message` next to `field` (a service's name for it), or on top of the form."""
        name = self.service_fields.get(field, field) if field else None
        target = self._fields.get(name) if name else None
        if target is None or isinstance(target, FieldList):
            self.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]


class Required(DataRequired):
    """Filled in, and not only with spaces; the message defaults to "<Label> is required."."""

    def __init__(self, message=None):
        super().__init__(message)
        # Not the browser's `required` attribute: the browser would stop the form at the
        # first empty field, one message per submit, where the server shows every mistake
        # at once. The field macro tells assistive technology instead (aria-required).
        self.field_flags = {"aria_required": True}

    def __call__(self, form, field):
        if field.data and (not isinstance(field.data, str) or field.data.strip()):
            return
        field.errors[:] = []
        raise StopValidation(self.message or f"{field.label.text} is required.")


class AtMost(Length):
    """At most `limit` characters, said as "<Label> is too long. At most N characters."."""

    def __init__(self, limit: int):
        super().__init__(max=limit)

    def __call__(self, form, field):
        if len(field.data or "") > self.max:
            raise ValidationError(f"{field.label.text} is too long. At most {self.max} characters.")


class Checked:
    """Runs a service's own check on the field's data, so that a form can show every
    mistake at once without a copy of the rule; the message is the service's."""

    def __init__(self, check: Callable[[object], object]):
        self.check = check

    def __call__(self, form, field):
        if field.errors:  # one message per field is enough
            return
        try:
            self.check(field.data)
        except Invalid as exc:
            raise ValidationError(exc.message) from exc


def strip(value):
    return value.strip() if isinstance(value, str) else value


def text_field(
    label: str,
    max_len: int,
    *,
    required: bool | str = True,
    area: bool = False,
    also: tuple = (),
    **kwargs,
):
    """A stripped text input (a textarea with `area`) of at most `max_len` characters.

    `required` may be the sentence to show when it is left empty; False makes it optional.
    `also`: more checks (a service's, through `Checked`), run on what is filled in.
    """
    message = required if isinstance(required, str) else None
    checks = [Required(message) if required else Optional(), AtMost(max_len), *also]
    return (TextAreaField if area else StringField)(label, checks, filters=[strip], **kwargs)


def choices(pairs) -> list[SelectChoice]:
    """`(value, label)` pairs as the choices of a SelectField."""
    return [SelectChoice(value, label) for value, label in pairs]


def enum_choices(members) -> list[SelectChoice]:
    """Enum members as choices, labelled as the pages spell them."""
    return choices((member.value, member.label) for member in members)


def choice_field(label: str, options, default=None) -> SelectField:
    # The service checks the value and names the allowed ones when something else is sent.
    return SelectField(label, choices=options, default=default, validate_choice=False)


def failure_status(exc: ServiceError) -> int:
    """A form refused by a service answers 400, even when it named a missing component."""
    return 400 if isinstance(exc, NotFound) else exc.status_code


def saved(message: str, url: str) -> ResponseReturnValue:
    """Say what was done, and go to `url`."""
    flash(message, "success")
    return redirect(url)


def submit(
    form: AdminForm,
    save: Callable[[], ResponseReturnValue],
    page: Callable[[], str],
) -> ResponseReturnValue:
    """Run a form page: show it, or take what was sent.

    Not submitted: `page()`, with 200. Submitted and valid: `save()` calls the
    service and answers (see `saved`). A `ServiceError` from it is shown on the
    field it names, or on top, and `page()` comes back with its 4xx; a form that
    does not validate comes back with 400. `page()` renders from what the view
    already holds: the service rolled back, and the objects reload as they are.
    """
    if not form.is_submitted():
        return page()
    if form.validate():
        try:
            return save()
        except ServiceError as exc:
            form.add_error(exc.message, exc.field)
            return page(), failure_status(exc)
    return page(), 400
