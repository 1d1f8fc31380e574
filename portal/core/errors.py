"""Errors an action may raise; the API maps each to one HTTP status in one place."""

from __future__ import annotations


class ActionError(Exception):
    """Base class; `ckan_type` is CKAN's `error.__type`, `status` the HTTP status."""

    ckan_type = "Internal Error"
    status = 500

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def as_error_dict(self) -> dict[str, object]:
        return {"__type": self.ckan_type, "message": f"{self.ckan_type}: {self.message}"}


class ValidationError(ActionError):
    """Field-level errors: {"field": ["what is wrong", ...]}."""

    ckan_type = "Validation Error"
    status = 409

    def __init__(self, errors: dict[str, list[str]], message: str = "") -> None:
        super().__init__(message or "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors

    def as_error_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"__type": self.ckan_type, "message": self.message}
        body.update(self.errors)
        return body


class NotFound(ActionError):
    ckan_type = "Not Found Error"
    status = 404


class NotAuthorized(ActionError):
    ckan_type = "Authorization Error"
    status = 403


class UnknownAction(ActionError):
    ckan_type = "Bad request - Action name not known"
    status = 400


class BadRequest(ActionError):
    """The request itself cannot be read (bad JSON body, unreadable form)."""

    ckan_type = "Bad request"
    status = 400


class SearchQueryError(ActionError):
    ckan_type = "Search Query Error"
    status = 400


class SearchError(ActionError):
    """The search engine cannot answer (CKAN's SearchError); the catalog is unaffected."""

    ckan_type = "Search Error"
    status = 503


class TooManyRequests(ActionError):
    """The portal is busy with as many such calls as it runs at once: try again later
    (`retry_after` seconds, sent as the Retry-After header)."""

    ckan_type = "Too Many Requests"
    status = 429

    def __init__(self, message: str = "", retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after
