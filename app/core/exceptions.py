"""Domain errors raised by services.

A service says what went wrong in the product's terms; app/errors.py turns each error
into the one JSON error shape with its HTTP status, so services never import Flask's
abort and can run with no request around them.
"""


class DomainError(Exception):
    """Base of every error a service raises on purpose; `status` is its HTTP status."""

    status = 400
    code = None  # a stable machine code; app/errors.py falls back to one per status

    def __init__(self, message, *, code=None, fields=None, headers=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields
        self.headers = headers or {}


class NotFound(DomainError):
    """No such record, or one outside the caller's scope: the two look the same."""

    status = 404


class Conflict(DomainError):
    """The record's state forbids the change (already closed, username taken...)."""

    status = 409


class Forbidden(DomainError):
    """The caller sees the record but her role may not make this change."""

    status = 403


class Unauthenticated(DomainError):
    """No valid sign-in (revoked device, expired token)."""

    status = 401


class TooLarge(DomainError):
    status = 413


class InvalidField(DomainError):
    """A value that only a service can judge (a database look-up), named by its field."""

    status = 422

    def __init__(self, field, reason, *, code=None):
        super().__init__(f"请求数据无效 Invalid input: {field}", code=code, fields={field: [reason]})


class InvalidFields(DomainError):
    """Several fields (or rows of a file) at fault at once."""

    status = 422

    def __init__(self, fields, message=None, *, code=None):
        message = message or "请求数据无效 Invalid input: " + ", ".join(sorted(fields))
        super().__init__(message, code=code, fields=fields)
