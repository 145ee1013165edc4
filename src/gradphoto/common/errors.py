"""Domain errors: services raise them with a stable code; views and the API map them."""

from __future__ import annotations


class DomainError(Exception):
    """A refused use-case; `code` is for machines, the message for people."""

    code = "domain_error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotAllowed(DomainError):
    code = "not_allowed"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class TooMany(DomainError):
    """A limit per person or address was reached (HTTP 429)."""

    code = "too_many"
