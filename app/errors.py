"""One error shape for the whole API.

Every error under /api (and /healthz) is JSON:
    {"error": {"code": "...", "message": "...", "fields": {"field": ["reason", ...]}}}
Bad input is a 4xx with the field and reason; a bug is a 500 in the same shape, never an
HTML page. Services raise the domain errors of app/core/exceptions.py; this module is
the one place that turns them (and webargs' and the database's errors) into responses.
"""
import logging

from flask import jsonify, request
from flask_smorest import Api
from marshmallow import Schema, fields
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from app.core.exceptions import DomainError

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
        body["fields"] = field_errors
    return jsonify({"error": body}), status


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


class JsonErrorApi(Api):
    """flask-smorest Api whose errors use the product's error shape."""

    ERROR_SCHEMA = ErrorSchema

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
        log.info("integrity error: %s", error.orig)
        diag = getattr(error.orig, "diag", None)
        detail = getattr(diag, "message_detail", None) or "conflicts with a stored record"
        return error_response(409, f"与已有记录冲突 Conflict: {detail}")

    def handle_data_error(error: DataError):
        from app.extensions import db

        db.session.rollback()
        return error_response(400, f"数据格式错误 Malformed value: {error.orig}")

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
    app.register_error_handler(Exception, handle_unexpected)
