"""Sign-in throttling whose counts every worker and host shares: they live in PostgreSQL
(table login_throttle, migration 0004), the one store every worker already has.

Two counters of failed sign-ins, each over a window of LOGIN_WINDOW_SECONDS:
- per account: after LOGIN_FAILURES_ALLOWED failures the account is closed to sign-in
  for a back-off that doubles with each further failure (up to LOGIN_MAX_BACKOFF_SECONDS),
  so a spread of addresses cannot guess one keeper's password;
- per client address: after LOGIN_CLIENT_FAILURES_ALLOWED failures (over any accounts),
  the same back-off for that address, so one client cannot try a password on many
  accounts.
A blocked attempt answers 429 with Retry-After before the password is even checked (so
it costs no KDF time and tells nothing). A successful sign-in clears its account's count.

Keys are stored as SHA-256 digests: people type passwords into the username field, and
the table must not collect them.
"""
import hashlib
import math

from datetime import datetime

from flask import current_app
from sqlalchemy import CHAR, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.exceptions import DomainError
from app.extensions import db


class LoginThrottle(db.Model):
    """Failed sign-ins of one account or one client address in the current window.
    Declared here, next to the only code that uses it, so Alembic sees the table."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(CHAR(64), primary_key=True)
    failures: Mapped[int] = mapped_column(nullable=False)
    window_start: Mapped[datetime] = mapped_column(nullable=False)
    blocked_until: Mapped[datetime | None]


class Throttled(DomainError):
    status = 429
    code = "rate_limited"


_BLOCKED = text(
    "SELECT max(blocked_until) FROM login_throttle "
    "WHERE key = ANY(:keys) AND blocked_until > now()"
)
# One atomic statement per key: a new window resets the count; from the allowance on,
# each failure blocks for base * 2^(failures - allowance) seconds, capped.
_FAIL = text(
    """
    INSERT INTO login_throttle AS t (key, failures, window_start, blocked_until)
    VALUES (:key, 1, now(), CASE WHEN :allowed <= 1 THEN now() + make_interval(secs => :base) END)
    ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN t.window_start < now() - make_interval(secs => :window)
                        THEN 1 ELSE t.failures + 1 END,
        window_start = CASE WHEN t.window_start < now() - make_interval(secs => :window)
                            THEN now() ELSE t.window_start END,
        blocked_until = CASE
            WHEN t.window_start >= now() - make_interval(secs => :window)
                 AND t.failures + 1 >= :allowed
            THEN now() + make_interval(secs => least(
                :cap, :base * power(2, least(t.failures + 1 - :allowed, 20))))
            ELSE t.blocked_until END
    """
)
_CLEAR = text("DELETE FROM login_throttle WHERE key = :key")

BASE_BACKOFF_SECONDS = 30


def _key(kind, value):
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def account_key(username):
    return _key("account", username.strip().casefold())


def client_key(address):
    return _key("client", address or "unknown")


def check(username, address):
    """Raise Throttled (429, Retry-After) while the account or the client is blocked."""
    keys = [account_key(username), client_key(address)]
    until = db.session.execute(_BLOCKED, {"keys": keys}).scalar()
    if until is None:
        return
    now = db.session.execute(text("SELECT now()")).scalar()
    wait = max(1, math.ceil((until - now).total_seconds()))
    raise Throttled(
        f"登录失败次数过多，请{wait}秒后再试 Too many failed sign-ins; retry in {wait} s",
        headers={"Retry-After": str(wait)},
    )


def failed(username, address):
    """Count a failed sign-in against the account and the client; commits, since the
    answer that follows (401) rolls nothing forward."""
    config = current_app.config
    common = {
        "window": config["LOGIN_WINDOW_SECONDS"], "base": BASE_BACKOFF_SECONDS,
        "cap": config["LOGIN_MAX_BACKOFF_SECONDS"],
    }
    for key, allowed in (
        (account_key(username), config["LOGIN_FAILURES_ALLOWED"]),
        (client_key(address), config["LOGIN_CLIENT_FAILURES_ALLOWED"]),
    ):
        db.session.execute(_FAIL, dict(common, key=key, allowed=allowed))
    db.session.commit()


def succeeded(username):
    """The owner got in: her earlier typos no longer count. The client's count stays, or
    an attacker could clear it by signing in to an account of her own."""
    db.session.execute(_CLEAR, {"key": account_key(username)})
