"""What the signed-in user may see, as SQL conditions.

Scope always comes from the token's user, never from request parameters: a list is
filtered by these conditions, and an object outside them answers 404 (not 403), so an
id from another scope reveals nothing about whether it exists.
"""
from sqlalchemy import ColumnElement, false, select, true

from app.extensions import db
from app.models import GridAssignment, Region, ServicePoint, User


def region_prefix(code: str | None) -> str | None:
    """Significant prefix of a stored 12-digit region code ('150502000000' -> '150502')."""
    if not code:
        return None
    region = db.session.get(Region, code)
    return region.prefix if region else code.rstrip("0") or code


def assigned_villages(user: User):
    """Subquery: village codes of the user's open grid assignments."""
    return select(GridAssignment.village_code).where(
        GridAssignment.user_id == user.id, GridAssignment.ends_on.is_(None)
    )


def point_scope(user: User) -> ColumnElement[bool]:
    """Condition on ServicePoint for the points this user may see."""
    role = user.role
    if role == "admin":
        return true()
    if role == "keeper":
        return ServicePoint.id == user.point_id
    if role == "grid_worker":
        return ServicePoint.village_code.in_(assigned_villages(user))
    if role in ("supervisor", "field_agent"):
        return ServicePoint.bank_path.startswith(user.org.path) if user.org else false()
    if role == "regulator":
        prefix = region_prefix(user.org.region_code if user.org else None)
        return ServicePoint.village_code.startswith(prefix) if prefix else false()
    return false()


def village_scope(user: User, village_code_column) -> ColumnElement[bool]:
    """Condition on any village-code column (assignments, visits, ledger rows)."""
    role = user.role
    if role == "admin":
        return true()
    if role == "grid_worker":
        return village_code_column.in_(assigned_villages(user))
    if role == "regulator":
        prefix = region_prefix(user.org.region_code if user.org else None)
        return village_code_column.startswith(prefix) if prefix else false()
    if role in ("supervisor", "field_agent", "keeper"):
        points = select(ServicePoint.village_code).where(point_scope(user))
        return village_code_column.in_(points)
    return false()


def describe(user: User) -> str:
    """The user's scope in words, for the audit log."""
    if user.role == "keeper":
        return f"point:{user.point_id}"
    if user.role in ("supervisor", "field_agent"):
        return f"org:{user.org.path if user.org else '-'}"
    if user.role == "regulator":
        return f"region:{region_prefix(user.org.region_code if user.org else None)}"
    if user.role == "grid_worker":
        return f"grid_worker:{user.id}"
    return "all"
