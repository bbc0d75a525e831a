"""Business rules a ledger record is checked against, and the flags they raise.

The register records what already happened at the terminal, so a record that breaks a
rule is accepted and flagged for the supervisor, never refused: refusing it would lose
the record of real money. Limits are configuration (LimitRule rows per region prefix
and bank, with dates), not constants.
"""
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, literal, or_, select

from app.extensions import db
from app.models import LimitRule, ServicePoint

FAR_FROM_POINT_M = 5_000  # a phone GPS fix this far from the point's registered location
CLOCK_SKEW = timedelta(minutes=10)  # device clock ahead of the server by more than this
OLD_RECORD = timedelta(days=30)  # weeks-old records are normal offline; older is unusual


@dataclass(slots=True, frozen=True)
class Limit:
    kind: str
    region_prefix: str
    bank_id: int | None
    min_fen: int | None
    multiple_of_fen: int | None
    per_card_daily_fen: int | None
    valid_from: date
    valid_to: date | None
    source: str | None
    id: int | None = None  # the LimitRule row, so a manager can end the winning rule

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "region_prefix": self.region_prefix, "bank_id": self.bank_id,
            "min_fen": self.min_fen, "multiple_of_fen": self.multiple_of_fen,
            "per_card_daily_fen": self.per_card_daily_fen, "valid_from": self.valid_from,
            "valid_to": self.valid_to, "source": self.source,
        }


def rules_for_point(point: ServicePoint) -> list[Limit]:
    """Every rule that can apply to the point (any date), most specific first: a bank's
    rule before a region's, a longer region prefix before a shorter, a later start first."""
    return rules_for(point.village_code, point.bank_path)


def rules_for(village_code: str, bank_path: str | None) -> list[Limit]:
    """Every rule that can apply in a village for a bank subtree (None: no bank, so
    regional rules only), most specific first. Grid and mobile records are checked
    against the rules of the village they were done in and the visitor's bank."""
    bank_ids = [int(part) for part in (bank_path or "").strip("/").split("/") if part]
    rows = db.session.execute(
        select(LimitRule)
        .where(
            literal(village_code).startswith(LimitRule.region_prefix),
            or_(LimitRule.bank_id.is_(None), LimitRule.bank_id.in_(bank_ids)),
        )
        .order_by(
            LimitRule.bank_id.is_(None),  # false (a bank's rule) sorts first
            func.length(LimitRule.region_prefix).desc(),
            LimitRule.valid_from.desc(),
            LimitRule.id.desc(),
        )
    ).scalars()
    return [
        Limit(r.kind, r.region_prefix, r.bank_id, r.min_fen, r.multiple_of_fen,
              r.per_card_daily_fen, r.valid_from, r.valid_to, r.source, r.id)
        for r in rows
    ]


class RuleBook:
    """The rules for one point, with the winning rule per (kind, day) memoised: a batch
    of 500 records usually spans one or two days."""

    def __init__(self, rules: list[Limit]):
        self.rules = rules
        self._memo = {}

    def limit(self, kind: str, day: date) -> Limit | None:
        key = (kind, day)
        if key not in self._memo:
            self._memo[key] = next(
                (r for r in self.rules if r.kind == kind and r.in_force(day)), None
            )
        return self._memo[key]

    def in_force(self, day: date) -> list[Limit]:
        kinds = dict.fromkeys(r.kind for r in self.rules)
        return [lim for k in kinds if (lim := self.limit(k, day)) is not None]


def amount_flags(limit: Limit | None, amount_fen: int) -> list[str]:
    """Flags from a single amount: below the minimum, not a multiple (of 10 yuan)."""
    if limit is None:
        return []
    flags = []
    if limit.min_fen is not None and amount_fen < limit.min_fen:
        flags.append("below_minimum")
    if limit.multiple_of_fen and amount_fen % limit.multiple_of_fen:
        yuan = limit.multiple_of_fen / 100
        flags.append(f"not_multiple_of_{yuan:g}")
    return flags


def context_flags(point_status, point_lonlat, lon, lat, occurred_at: datetime, now: datetime):
    """Flags from the point's state, the GPS fix and the device clock."""
    flags = []
    if point_status == "suspended":
        flags.append("point_suspended")
    elif point_status == "closed":
        flags.append("point_closed")
    if lon is not None and point_lonlat is not None:
        if distance_m(lon, lat, *point_lonlat) > FAR_FROM_POINT_M:
            flags.append("far_from_point")
    if occurred_at > now + CLOCK_SKEW:
        flags.append("clock_skew")
    elif occurred_at < now - OLD_RECORD:
        flags.append("old_record")
    return flags


def distance_m(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance in metres (haversine on a 6,371 km sphere)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))
