"""The business clock: instants in UTC, business days in Asia/Shanghai.

Every timestamp is stored in UTC; a "day" in the product (a ledger day, a point's
opening date, a limit rule's validity) is a calendar day in China.
"""
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The business date in China."""
    return datetime.now(SHANGHAI).date()


def business_day(instant: datetime) -> date:
    """The Shanghai calendar day an instant falls on."""
    return instant.astimezone(SHANGHAI).date()


def day_start(day: date) -> datetime:
    """The first instant of a Shanghai calendar day."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)
