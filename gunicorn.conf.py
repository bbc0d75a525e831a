"""gunicorn settings for `make run` and production (`gunicorn -c gunicorn.conf.py wsgi:app`).

- The access log records the path without the query string: a search (?q=...) or a
  token passed as a parameter must not end up in a log file. Digit runs that could be
  a card number are masked in the path too.
- Errors and tracebacks go to the error log: the app's logger writes to gunicorn's error
  log handlers (app/__init__.py register_logging).
- No `Server: gunicorn` header: it only tells an attacker what to look up.
- Behind a TLS proxy, set TRUSTED_PROXIES (app/config.py): the app then takes the client's
  address and scheme from the proxy's X-Forwarded-* headers (README, Deployment).
"""
import os
import re

from gunicorn.glogging import Logger
from gunicorn.http import wsgi as _wsgi

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", 2))
# Threads with keep-alive: a map asks for dozens of small tiles at once and a phone's sync
# waits on the database, not the CPU; a kept connection spares each request a TCP set-up.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))
keepalive = 5
control_socket_disable = True

# GUNICORN_ACCESS_LOG="" turns the access log off (benchmarks).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Not capture_output: it would send stdout, and so an access log on "-", into the error
# log. The app's records reach the error log through its logger (app/__init__.py).
# %(U)s is the path without the query string; no referer (it carries other sites' and our
# own query strings).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss "%(a)s"'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

_LONG_DIGITS = re.compile(r"[0-9]{13,}")


class PathMaskingLogger(Logger):
    """The access log's path with any run of 13+ digits masked: an id is never that
    long, a card number typed into a URL is."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = _LONG_DIGITS.sub("[masked]", atoms.get("U") or "")
        return atoms


logger_class = PathMaskingLogger

_default_headers = _wsgi.Response.default_headers


def _headers_without_server(self):
    return [h for h in _default_headers(self) if not h.lower().startswith("server:")]


_wsgi.Response.default_headers = _headers_without_server
