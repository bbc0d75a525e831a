"""Models, one module per aggregate. Importing this package registers every table."""
from app.models.audit import AuditEvent
from app.models.field import (
    AlertAck,
    FieldVisit,
    Finding,
    FraudTalk,
    Inspection,
    InspectionPolicy,
    PlannedVisit,
    Team,
    TeamMember,
    Training,
    TrainingAttendee,
    VillagerRequest,
)
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
    "AlertAck",
    "ApiToken",
    "AuditEvent",
    "Device",
    "FieldVisit",
    "Finding",
    "FraudTalk",
    "FlagReview",
    "GridAssignment",
    "Inspection",
    "InspectionPolicy",
    "LedgerCardDaily",
    "LedgerDaily",
    "LedgerEntry",
    "LedgerVillageDaily",
    "LedgerVillageMonthly",
    "LimitRule",
    "Organisation",
    "PlannedVisit",
    "Region",
    "RiskAlert",
    "ServicePoint",
    "Team",
    "TeamMember",
    "Terminal",
    "Training",
    "TrainingAttendee",
    "User",
    "VillagerRequest",
]
