"""Serves the PWA from static/: the shell at /, the service worker at /sw.js (it must
be served from the root to control the whole origin), the web app manifest, the other
assets, and the API reference page at /api/v1/docs.

static/sw.js, static/vendor/ and static/dist/ are built by `make frontend`
(scripts/build-static.mjs); nothing here is fetched from a CDN. The pages are the built
ones (static/dist/index.html, static/dist/console/index.html): they load only files whose
names carry a hash of their content, which are cached as immutable for a year. The pages
themselves, the service worker and the manifest are revalidated on each use; the other
unhashed files (the sources under /static/js and /static/css, the vendored libraries, the
icons) are cached for an hour.
"""
import base64
import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, jsonify, send_from_directory

from app.security import CSP

STATIC = Path(__file__).resolve().parent.parent / "static"


def static_dir() -> Path:
    """Where the built front-end lives: static/ of the checkout, unless PWA_STATIC_DIR
    names another build (a release directory; the browser tests' copy of the next
    deployment, to show the "update available" prompt)."""
    return Path(os.environ.get("PWA_STATIC_DIR") or STATIC)

bp = Blueprint("pwa", __name__)

# The build's content-hashed files: static/dist/<folder>/<name>-<8 characters of hash>.<ext>
# (esbuild's [hash] for modules and chunks, the build's own for stylesheets and icons).
HASHED = re.compile(r"dist/(?:[\w-]+/)+[\w.-]+-[A-Z0-9]{8}\.(?:js|css|svg|png)")
YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
STYLE = re.compile(r"<style>(.*?)</style>", re.S)

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
    """The register's page, its stylesheet inlined (nothing to wait for before the first
    paint): the CSP allows that one <style> by its hash, and no other inline style."""
    response = _send("dist/index.html", max_age=0)
    hashes = _style_hashes(static_dir() / "dist" / "index.html")
    if hashes:
        response.headers["Content-Security-Policy"] = CSP.replace(
            "style-src 'self'", "style-src 'self' " + " ".join(f"'{h}'" for h in hashes))
    return response


def _style_hashes(page: Path):
    stat = page.stat()
    return _hashes_of(str(page), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _hashes_of(path, mtime_ns, size):
    """CSP source expressions ('sha256-...') of each <style> in the page as built."""
    html = Path(path).read_text(encoding="utf-8")
    return tuple("sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
                 for css in STYLE.findall(html))


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
    response = _send("dist/console/index.html", max_age=0)
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
    # A hashed name never changes content: a year, immutable (not even revalidated on
    # reload). Anything else may change under its name at the next deployment: an hour
    # (the pages never load the unhashed sources; the service worker's precache fetches
    # with cache: 'reload', so no HTTP cache pins an old file into a new shell).
    if HASHED.fullmatch(filename):
        response = _send(filename, max_age=YEAR)
        response.headers["Cache-Control"] = IMMUTABLE
        return response
    if filename.endswith(".html"):  # a page names the hashed files of its build
        return _send(filename, max_age=0)
    return _send(filename, max_age=3600)


def _send(filename, max_age, mimetype=None):
    response = send_from_directory(static_dir(), filename, max_age=max_age, mimetype=mimetype)
    if max_age == 0:
        response.headers["Cache-Control"] = "no-cache"
    return response
