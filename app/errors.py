"""One error shape for the whole API.

Every error under /api (and /healthz) is JSON:
    {"error": {"code": "...", "message": "...", "fields": {"field": ["reason", ...]}}}
Bad input is a 4xx with the field and reason; a bug is a 500 in the same shape, never an
HTML page. Services raise the domain errors of app/core/exceptions.py; this module is
the one place that turns them (and webargs' and the database's errors) into responses.
"""
import logging

from apispec import BasePlugin
from flask import current_app, jsonify, request
from flask_smorest import Api
from marshmallow import Schema, fields
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app.core.exceptions import DomainError
from app.core.fields import contains_card_number, storable_problem

log = logging.getLogger(__name__)

# Short machine-readable codes for the statuses the API answers with.
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.Raw())


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


def error_response(status, message, code=None, field_errors=None):
    body = {"code": code or CODES.get(status, "error"), "message": message}
    if field_errors:
        body["fields"] = {_field_name(name): reasons for name, reasons in field_errors.items()}
    return jsonify({"error": body}), status


def _field_name(name):
    """Field names come from the request (webargs answers "Unknown field" by name): one
    that carries a card number or unprintable characters is not echoed back."""
    name = str(name)
    if storable_problem(name) or contains_card_number(name):
        return "(field name)"
    return name


def _flatten_webargs(messages):
    """webargs nests reasons by location ({"json": {...}, "query": {...}}); callers
    care about the field, so merge the locations."""
    merged = {}
    for location, errs in (messages or {}).items():
        if isinstance(errs, dict):
            merged.update(errs)
        else:
            merged[location] = errs
    return merged


def _wants_json():
    # Map clients (/tiles, /ogc) read errors as JSON too, never an HTML page.
    return request.path.startswith(("/api", "/tiles", "/ogc")) or request.path == "/healthz"


class _ErrorStatuses(BasePlugin):
    """Documents, on every operation, the error statuses any of them may answer (instead
    of a catch-all `default`, which would let any status conform to the document)."""

    COMMON = {"400": "BAD_REQUEST", "401": "UNAUTHORIZED", "403": "FORBIDDEN", "404": "NOT_FOUND",
              "409": "CONFLICT"}

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for status, name in self.COMMON.items():
                responses.setdefault(status, name)
            if path and path.endswith("/auth/login"):
                responses.setdefault("429", "TOO_MANY_REQUESTS")


class JsonErrorApi(Api):
    """flask-smorest Api whose errors use the product's error shape."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        plugin = _ErrorStatuses()
        plugin.init_spec(self.spec)
        self.spec.plugins.append(plugin)

    def handle_http_exception(self, error):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        field_errors = _flatten_webargs(data.get("messages")) if "messages" in data else None
        message = data.get("message") or getattr(error, "description", None) or error.name
        if status == 422 and field_errors and not data.get("message"):
            # webargs gives no message of its own; name the fields at fault.
            message = "请求数据无效 Invalid input: " + ", ".join(sorted(field_errors))
        code = data.get("code")
        response, status = error_response(status, message, code, field_errors)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response, status


def register_error_handlers(app):
    def handle_http(error: HTTPException):
        if not _wants_json():
            return error
        from app.extensions import api

        return api.handle_http_exception(error)

    def handle_integrity(error: IntegrityError):
        from app.extensions import db

        db.session.rollback()
        # The database's detail quotes the stored row (user ids, notes, hashes): it goes
        # to the log, and the answer names only the rule that was broken.
        log.info("integrity error: %s", error.orig)
        diag = getattr(error.orig, "diag", None)
        constraint = getattr(diag, "constraint_name", None)
        where = f" ({constraint})" if constraint else ""
        return error_response(409, f"与已有记录冲突 Conflicts with a stored record{where}")

    def handle_data_error(error: DataError):
        from app.extensions import db

        db.session.rollback()
        # PostgreSQL's message quotes the value it could not take; it is not repeated.
        log.info("data error: %s", error.orig)
        return error_response(400, "数据格式错误 A value is out of range or malformed for storage")

    def handle_unavailable(error):
        """The database is down or restarting (a connection refused or dropped): a 503
        the client retries after Retry-After, not a 500. The PWA keeps its records and
        pushes them again."""
        from app.extensions import db

        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the pool replaces it
            log.debug("rollback after a lost connection failed", exc_info=True)
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    error.__class__.__name__)
        retry = str(current_app.config.get("DB_RETRY_AFTER_SECONDS", 5))
        response, status = error_response(
            503, "数据库暂不可用，请稍后重试 Database unavailable, retry shortly", "db_unavailable"
        )
        response.headers["Retry-After"] = retry
        return response, status

    def handle_domain(error: DomainError):
        from app.extensions import db

        # A refused change leaves nothing half-done in the session.
        db.session.rollback()
        response, status = error_response(error.status, error.message, error.code, error.fields)
        for name, value in error.headers.items():
            response.headers[name] = value
        return response, status

    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _wants_json():
            raise error
        return error_response(500, "服务器内部错误 Internal error")

    app.register_error_handler(DomainError, handle_domain)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(IntegrityError, handle_integrity)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(OperationalError, handle_unavailable)
    app.register_error_handler(InterfaceError, handle_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
