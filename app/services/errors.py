"""Errors the business rules raise; every face turns them into a clear 4xx."""


class ServiceError(Exception):
    """Base class: `message` is written for the person who sent the input."""

    status_code = 400
    title = "Cannot do that"  # the heading of the page a browser shows

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(ServiceError):
    status_code = 400


class LinkInvalid(Invalid):
    """A mailed link that is forged, expired, used up or replaced."""

    title = "This link does not work"


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Forbidden(ServiceError):
    status_code = 403


class Busy(ServiceError):
    """The database stayed too busy to take the change; nothing was saved."""

    status_code = 503
