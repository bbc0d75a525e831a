"""Serves the PWA from static/: the shell at /, the service worker at /sw.js (it must
be served from the root to control the whole origin), the web app manifest, the other
assets, and the API reference page at /api/v1/docs.

static/sw.js and static/vendor/ are built from npm packages by `make frontend`
(scripts/build-static.mjs); nothing here is fetched from a CDN.
"""
import os
from pathlib import Path

from flask import Blueprint, jsonify, send_from_directory

STATIC = Path(__file__).resolve().parent.parent / "static"


def static_dir() -> Path:
    """Where the built front-end lives: static/ of the checkout, unless PWA_STATIC_DIR
    names another build (a release directory; the browser tests' copy of the next
    deployment, to show the "update available" prompt)."""
    return Path(os.environ.get("PWA_STATIC_DIR") or STATIC)

bp = Blueprint("pwa", __name__)

# The console runs without inline script or style, and its maps' worker is a module from
# /static (no blob: workers, no eval). A configured basemap's tile host must be added to
# connect-src.
CONSOLE_CSP = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "worker-src 'self'", "object-src 'none'", "base-uri 'none'",
    "form-action 'self'", "frame-ancestors 'none'",
))


@bp.get("/")
def index():
    return _send("index.html", max_age=0)


@bp.get("/sw.js")
def service_worker():
    # Never cached by HTTP: the browser must see a new worker as soon as it is deployed.
    return _send("sw.js", max_age=0, mimetype="text/javascript")


@bp.get("/manifest.webmanifest")
def manifest():
    return _send("manifest.webmanifest", max_age=0, mimetype="application/manifest+json")


@bp.get("/console")
@bp.get("/console/")
def console():
    """The web console of supervisors, regulators and admins (static/console/): its own
    page and modules, never loaded by the keeper's register nor precached with it."""
    response = _send("console/index.html", max_age=0)
    response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.get("/console/config.json")
def console_config():
    """The console's maps draw no basemap unless CONSOLE_BASEMAP_URL names a raster tile
    template ("https://tiles.example/{z}/{x}/{y}.png"); nothing is fetched from elsewhere
    by default."""
    response = jsonify({
        "basemap": os.environ.get("CONSOLE_BASEMAP_URL") or None,
        "basemap_attribution": os.environ.get("CONSOLE_BASEMAP_ATTRIBUTION") or None,
    })
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/api/v1/docs")
def api_docs():
    """Readable API reference (swagger-ui from static/vendor) over /api/v1/openapi.json."""
    return _send("api-docs.html", max_age=0)


@bp.get("/static/<path:filename>")
def asset(filename):
    # The service worker's precache fetches with cache: 'reload', so an hour of HTTP
    # caching never pins an old file into a new shell.
    return _send(filename, max_age=3600)


def _send(filename, max_age, mimetype=None):
    response = send_from_directory(static_dir(), filename, max_age=max_age, mimetype=mimetype)
    if max_age == 0:
        response.headers["Cache-Control"] = "no-cache"
    return response
