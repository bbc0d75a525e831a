"""Models, one module per aggregate. Importing this package registers every table."""
from app.models.audit import AuditEvent
from app.models.field import FieldVisit, FraudTalk
from app.models.ledger import (
    LedgerCardDaily,
    LedgerDaily,
    LedgerEntry,
    LedgerVillageDaily,
    LedgerVillageMonthly,
    LimitRule,
    RiskAlert,
)
from app.models.orgs import Organisation
from app.models.people import ApiToken, Device, GridAssignment, User
from app.models.points import ServicePoint, Terminal
from app.models.regions import Region
from app.models.reviews import FlagReview

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Device",
    "FieldVisit",
    "FraudTalk",
    "FlagReview",
    "GridAssignment",
    "LedgerCardDaily",
    "LedgerDaily",
    "LedgerEntry",
    "LedgerVillageDaily",
    "LedgerVillageMonthly",
    "LimitRule",
    "Organisation",
    "Region",
    "RiskAlert",
    "ServicePoint",
    "Terminal",
    "User",
]
