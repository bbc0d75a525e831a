"""Bearer tokens: issue, resolve, revoke.

Tokens are opaque random strings; only their SHA-256 is stored. Every request looks
the token up, so revoking one (logout, a lost phone) takes effect at once.

A hot path that must not spend a round trip on the look-up alone (the map's tiles)
checks the token inside its own statement instead: `still_signed_in()` is the same
rule as `resolve_token()`, as one SQL condition.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, wraps

from flask import current_app, g, request
from flask_smorest import abort
from sqlalchemy import Boolean, ColumnElement, DateTime, Integer, String, bindparam, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.scope import may
from app.core.exceptions import Forbidden
from app.extensions import db
from app.models import ApiToken, Device, User

@cache
def _dummy_hash(method: str) -> str:
    """A well-formed hash to check against when the username is unknown, so a wrong
    username costs the same time as a wrong password (no user enumeration by timing).
    Made on first use with the configured KDF, not at import."""
    return generate_password_hash("not-a-real-password", method=method)


def now_utc() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    """Salted KDF hash: scrypt by default; tests choose a cheaper method for speed."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user and user.password_hash else _dummy_hash(
        current_app.config["PASSWORD_HASH_METHOD"]
    )
    ok = check_password_hash(stored, password)
    if not ok or user is None or not user.password_hash or not user.active:
        return None
    return user


def issue_token(user: User, device_key: str | None = None, label: str | None = None):
    """Create a token (and register the device on first sign-in). Caller commits."""
    device = None
    if device_key:
        device = db.session.scalar(
            select(Device).where(Device.user_id == user.id, Device.device_key == device_key)
        )
        if device is None:
            device = Device(user_id=user.id, device_key=device_key, label=label)
            db.session.add(device)
        elif device.revoked_at is not None:
            raise Forbidden("该设备已被停用 This device has been revoked", code="device_revoked")
        device.last_seen_at = now_utc()
        db.session.flush()
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    token = ApiToken(
        token_hash=_digest(raw),
        user_id=user.id,
        device_id=device.id if device else None,
        expires_at=now_utc() + ttl,
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def resolve_token(raw: str) -> ApiToken | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= now_utc():
        return None
    if not token.user.active:
        return None
    if token.device is not None and token.device.revoked_at is not None:
        return None
    return token


@dataclass(frozen=True)
class SignIn:
    """Who a token signed in, as far as her scope is concerned: the user and the
    attributes every scope rule of app.auth.scope reads from her (role, organisation
    with its path and region, point). A statement built for this scope checks, in the
    same round trip, that the token is still valid and that none of these has changed
    (`still_signed_in`); it never trusts a copy kept in memory."""

    token_hash: str
    user_id: int
    role: str
    org_id: int | None
    org_path: str | None
    org_region: str | None
    point_id: int | None

    @classmethod
    def of(cls, token: ApiToken) -> "SignIn":
        user = token.user
        org = user.org
        return cls(token.token_hash, user.id, user.role, user.org_id,
                   org.path if org else None, org.region_code if org else None, user.point_id)

    def params(self) -> dict:
        """The bind parameters of `still_signed_in()`, the clock's now included."""
        return {"signin_token": self.token_hash, "signin_now": now_utc(),
                "signin_user": self.user_id, "signin_role": self.role,
                "signin_org": self.org_id, "signin_org_path": self.org_path,
                "signin_org_region": self.org_region, "signin_point": self.point_id}


def still_signed_in() -> ColumnElement[bool]:
    """SQL condition: the token (bind parameter `signin_token`, its hash) is what
    `resolve_token` accepts at `signin_now` -- not revoked, not expired, its user active,
    its device (if any) not revoked -- and its user still has the id, role, organisation
    (path and region) and point of the SignIn whose `params()` are bound. Revoking a
    token, a device or a user, or moving her to another role or organisation, makes it
    false for the very next request. The rule is the SQL function token_signed_in
    (migration 0009), whose plan PostgreSQL keeps for the session."""
    return func.token_signed_in(
        bindparam("signin_token", type_=String), bindparam("signin_now", type_=DateTime(timezone=True)),
        bindparam("signin_user", type_=Integer), bindparam("signin_role", type_=String),
        bindparam("signin_org", type_=Integer), bindparam("signin_org_path", type_=String),
        bindparam("signin_org_region", type_=String), bindparam("signin_point", type_=Integer),
        type_=Boolean,
    )


def token_digest(raw: str) -> str:
    return _digest(raw)


def revoke_token(token: ApiToken) -> None:
    token.revoked_at = now_utc()


def revoke_user_tokens(user: User) -> None:
    """A new password signs the person out everywhere: whoever knew the old one, or
    holds a phone signed in with it, must sign in again."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )


def revoke_device(device: Device) -> None:
    """A lost phone: the device and every token issued to it stop working."""
    device.revoked_at = now_utc()
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.device_id == device.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def login_required(action=None):
    """Require a valid bearer token; with an action of app.auth.scope.PERMISSIONS, also a
    role that may take it (else 403).

    The resolved user is `g.user` and the token `g.token`; the view passes the user to
    its service, which derives scope from her.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            raw = _bearer()
            token = resolve_token(raw) if raw else None
            if token is None:
                abort(
                    401,
                    message="请先登录 Sign-in required (missing, expired or revoked token)",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            g.token = token
            g.user = token.user
            if action and not may(token.user, action):
                abort(403, message="无权执行此操作 Your role may not do this")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_user() -> User:
    return g.user
