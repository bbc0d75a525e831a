"""What every request must pass and every response carries, for the whole app at once,
so a route added later is covered without doing anything.

On the way in (before any view or schema sees the request):
- a size limit (MAX_CONTENT_LENGTH; the larger UPLOAD_MAX_CONTENT_LENGTH on the upload
  paths), answered 413;
- the content type: a body is JSON, or multipart on the upload paths; anything else 415
  (a PATCH sent as text/plain or a form would otherwise load as "no fields" and answer
  200 having done nothing);
- JSON nested deeper than MAX_JSON_DEPTH: 400 (the parsers recurse, and a deep enough
  document would exhaust the stack);
- every string of the path, the JSON body, the query string and the form through one sanitiser
  (app.core.fields.storable_problem): 422 naming the field.

Behind proxies (TRUSTED_PROXIES), the client's address and scheme come from the
X-Forwarded-For and X-Forwarded-Proto they set; otherwise those headers are ignored, so
a client cannot forge its address.

On the way out: security headers on every response, and no caching of API answers (they
carry personal data and are per user).
"""
import json

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.exceptions import InvalidFields
from app.core.fields import storable_problem

BODY_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
MAX_JSON_DEPTH = 32
MAX_REPORTED_FIELDS = 20

# No inline script or style anywhere (the pages load theirs from /static), but for the
# register's own stylesheet, inlined by the build: app/pwa.py adds its hash to style-src on
# that page only. swagger-ui draws its icons from data: URIs. frame-ancestors and X-Frame-Options: never framed.
CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class TooDeep(ValueError):
    pass


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a document too deep to parse is bad input (a ValueError, which
    Flask answers 400) instead of a RecursionError (a 500)."""

    def loads(self, s, **kwargs):
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise TooDeep("JSON nested too deeply") from None


def own_string_checks(*keys):
    """Mark a view whose body keys `keys` are checked by the view's own code, value by
    value (sync push checks each record on its own, so one bad record is refused alone
    instead of the whole batch)."""

    def decorator(view):
        view.own_string_checks = frozenset(keys)
        return view

    return decorator


def _is_upload():
    return request.path.startswith(tuple(current_app.config["UPLOAD_PATHS"]))


def _has_body():
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")


def check_request():
    if _is_upload():
        request.max_content_length = current_app.config["UPLOAD_MAX_CONTENT_LENGTH"]
    if not (request.path.startswith("/api") or request.path == "/healthz"):
        return
    problems = {}
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _check_string(name, value, problems)
    for name, value in request.args.items(multi=True):
        _check_string(name, name, problems)
        _check_string(name, value, problems)
    if request.method in BODY_METHODS and _has_body():
        mimetype = request.mimetype
        if mimetype == "application/json" or mimetype.endswith("+json"):
            _check_json(problems)
        elif mimetype == "multipart/form-data" and _is_upload():
            for name, value in request.form.items(multi=True):
                _check_string(name, name, problems)
                _check_string(name, value, problems)
        else:
            expected = "application/json" + (" or multipart/form-data" if _is_upload() else "")
            raise UnsupportedMediaType(
                f"请求体须为 {expected} The request body must be {expected}, not {mimetype or 'untyped'}"
            )
    if problems:
        raise InvalidFields(problems)


def _check_json(problems):
    body = request.get_json()  # malformed or too deep for the parser: 400
    view = current_app.view_functions.get(request.endpoint)
    skip = getattr(view, "own_string_checks", frozenset())
    # (path, value, depth, whether its strings are checked here); iterative, so a deep
    # document cannot exhaust the stack of the check itself.
    stack = [("", body, 1, True)]
    while stack:
        path, value, depth, checked = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"JSON 嵌套过深 JSON nested deeper than {MAX_JSON_DEPTH} levels")
        if not checked:  # the view checks these strings itself: only the depth is ours
            _check_depth(value, depth)
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else key
                own = checked and not (depth == 1 and key in skip)
                if own:
                    _check_string(where, key, problems)
                stack.append((where, item, depth + 1, own))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item, depth + 1, checked)
                         for i, item in enumerate(value))
        elif isinstance(value, str) and checked:
            _check_string(path, value, problems)


def _check_depth(value, depth):
    """The depth limit over a subtree whose strings are checked elsewhere (a sync batch:
    thousands of values), without building the path of every value."""
    stack = [(value, depth)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            items = value.values()
        elif isinstance(value, list):
            items = value
        else:
            continue
        if items and depth + 1 > MAX_JSON_DEPTH:  # its items lie deeper than the limit
            raise BadRequest(f"JSON 嵌套过深 JSON nested deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))


def _check_string(field, value, problems):
    if len(problems) >= MAX_REPORTED_FIELDS:
        return
    problem = storable_problem(value)
    if problem:
        # A field name that is itself unprintable is not echoed back.
        shown = field if storable_problem(field) is None else "(field name)"
        problems.setdefault(shown, []).append(problem)


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        # Only over TLS (behind a proxy: TRUSTED_PROXIES reads its X-Forwarded-Proto):
        # HSTS over plain HTTP is ignored by browsers and would mislead a reader.
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith("/api") or request.path == "/healthz":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def register(app):
    trusted = app.config["TRUSTED_PROXIES"]
    if trusted:
        # The client's address and scheme as the proxies in front saw them: the sign-in
        # throttle counts per phone, not per proxy, and HSTS goes out over TLS.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    app.before_request(check_request)
    app.after_request(add_headers)
