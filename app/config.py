"""Configuration from the environment.

Secrets have a default only in development; production must set them.
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def local_database_url(name="zhunong"):
    """The project-local cluster started by scripts/localdb.sh, which records its port."""
    port_file = ROOT / ".pgport"
    port = port_file.read_text().strip() if port_file.exists() else "5433"
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"


DEFAULT_DATABASE_URL = local_database_url()
DEV_SECRET_KEY = "dev-only-not-secret"
DEV_DEMO_PASSWORD = "zhunong-demo-2026"
# Where the unsafe development defaults are allowed; anything else (APP_ENV=production,
# staging, a typo) is treated as production.
SAFE_ENVS = ("development", "test")


class UnsafeConfiguration(RuntimeError):
    """The app refuses to start: a production setting still has its development value."""


def check_production(config):
    """Outside development and tests, refuse to start with the development secret (anyone
    could forge what it signs) or with the published demo password (anyone could sign in
    as the demo accounts)."""
    if config.get("APP_ENV") in SAFE_ENVS:
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < 32:
        raise UnsafeConfiguration(
            f"APP_ENV={config.get('APP_ENV')}: set SECRET_KEY to a random value of 32+ "
            "characters (python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if config.get("DEMO_PASSWORD") == DEV_DEMO_PASSWORD:
        raise UnsafeConfiguration(
            f"APP_ENV={config.get('APP_ENV')}: DEMO_PASSWORD is the published demo password; "
            "unset it, or set another before loading demo accounts"
        )


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    JSON_AS_ASCII = False

    # flask-smorest / OpenAPI
    API_TITLE = "助农服务点 Village Payment Service Points API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # Every operation needs a bearer token unless it says otherwise (only sign-in does).
    API_SPEC_OPTIONS = {"security": [{"bearerAuth": []}]}

    # Bearer tokens: how long a sign-in lasts. A keeper signs in online once and
    # then works offline for days, so the default is generous; revocation is the
    # real control (a lost phone is a revoked device).
    TOKEN_TTL_HOURS = int(os.environ.get("TOKEN_TTL_HOURS", 24 * 30))

    # Flask-Limiter keeps no limits of its own here: sign-in is throttled in PostgreSQL
    # (below), which every worker shares; memory:// counts would be per worker.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")

    PASSWORD_HASH_METHOD = "scrypt"

    # The published demo password only where demo accounts belong (check_production).
    DEMO_PASSWORD = os.environ.get(
        "DEMO_PASSWORD", DEV_DEMO_PASSWORD if APP_ENV in SAFE_ENVS else None
    )

    # Request bodies are read whole, so their size is bounded: 2 MiB holds a batch of
    # 1,000 sync records several times over. Uploads (app/imports, up to 20 MB files)
    # get their own limit on their own paths (app/security.py).
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    UPLOAD_PATHS = ("/api/v1/imports/",)
    UPLOAD_MAX_CONTENT_LENGTH = 21 * 1024 * 1024

    # Sign-in throttling (app/auth/throttle.py), counted in PostgreSQL so every worker
    # and host shares the counts. Failures within the window, per account and per client
    # address, before a back-off that doubles with each further failure.
    LOGIN_FAILURES_ALLOWED = int(os.environ.get("LOGIN_FAILURES_ALLOWED", 5))
    LOGIN_CLIENT_FAILURES_ALLOWED = int(os.environ.get("LOGIN_CLIENT_FAILURES_ALLOWED", 20))
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_BACKOFF_SECONDS = 15 * 60

    # How many proxies (nginx, a load balancer) stand in front of the app and append to
    # X-Forwarded-For / set X-Forwarded-Proto. Behind one, every request comes from the
    # proxy's address, and the per-client count above would lock out a whole county after
    # 20 typos. 0: the headers are ignored, so a client cannot pick its own address.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))

    # Seconds a client is told to wait (Retry-After) when the database is unreachable.
    DB_RETRY_AFTER_SECONDS = 5

    # The longest range of business days one ledger export may cover (a year and a bit:
    # one annual report with its last month's corrections).
    LEDGER_EXPORT_MAX_DAYS = int(os.environ.get("LEDGER_EXPORT_MAX_DAYS", 400))


class TestConfig(Config):
    APP_ENV = "test"
    TESTING = True
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", DEV_DEMO_PASSWORD)
    # Hundreds of test users: a cheap KDF keeps the suite fast; production keeps scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
