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


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
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

    # Flask-Limiter: brute-force protection on sign-in.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    PASSWORD_HASH_METHOD = "scrypt"

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "zhunong-demo-2026")
    # The longest range of business days one ledger export may cover (a year and a bit:
    # one annual report with its last month's corrections).
    LEDGER_EXPORT_MAX_DAYS = int(os.environ.get("LEDGER_EXPORT_MAX_DAYS", 400))


class TestConfig(Config):
    TESTING = True
    LOGIN_RATE_LIMIT = "1000 per minute"
    # Hundreds of test users: a cheap KDF keeps the suite fast; production keeps scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
