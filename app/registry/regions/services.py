"""Region queries. Regions are reference data: every signed-in user may browse them."""
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import defer

from app.auth.scope import jurisdiction, within_jurisdiction
from app.core.exceptions import InvalidField, NotFound
from app.core.paging import paginate
from app.extensions import db
from app.models import Region

# Lists never need village polygons; they can be large.
LIGHT = (defer(Region.geom),)


def full_code(code: str) -> str:
    """'150502' -> '150502000000': codes are stored zero-padded to 12 digits."""
    return code.ljust(12, "0")


def list_regions(args):
    """Children of `parent`; else a search by `q`/`level`; else the provinces."""
    stmt = select(Region).options(*LIGHT)
    if args.get("parent"):
        stmt = stmt.where(Region.parent_code == full_code(args["parent"]))
    elif not (args.get("q") or args.get("level")):
        stmt = stmt.where(Region.parent_code.is_(None))
    if args.get("q"):
        q = args["q"]
        by_name = Region.name.icontains(q, autoescape=True)
        stmt = stmt.where(or_(by_name, Region.code.startswith(q)) if q.isdigit() else by_name)
    if args.get("level"):
        stmt = stmt.where(Region.level == args["level"])
    return paginate(stmt, args, (Region.code,))


def region_detail(code: str):
    region = db.session.get(Region, full_code(code)) if code.isdigit() and len(code) <= 12 else None
    if region is None:
        raise NotFound("无此地区 No region with this code")
    region.parents = _parents(region)
    region.children_count = db.session.scalar(
        select(func.count()).where(Region.parent_code == region.code)
    )
    region.villages_count = db.session.scalar(
        select(func.count()).where(Region.level == "village", Region.prefix.startswith(region.prefix))
    ) if region.level != "village" else 0
    return region


def _parents(region):
    """The chain above a region, province first (a handful of primary-key reads)."""
    chain, code = [], region.parent_code
    while code and len(chain) < 5:
        parent = db.session.get(Region, code, options=LIGHT)
        if parent is None:
            break
        chain.append(parent)
        code = parent.parent_code
    return list(reversed(chain))


def publishing_region(user, data, field="region_prefix"):
    """The region a rule (an alert, a limit) is published for: `data[field]`, by default
    the user's jurisdiction. It must be a known region inside that jurisdiction, else a
    422 on `field`. Takes the field out of `data`."""
    prefix = data.pop(field, None)
    if prefix is None:
        prefix = jurisdiction(user) or ""
    if not within_jurisdiction(user, prefix):
        own = jurisdiction(user)
        raise InvalidField(field, f"只能发布到本辖区 Only within your region ({own or '-'}) and narrower")
    if prefix and not db.session.scalar(select(exists().where(Region.prefix == prefix))):
        raise InvalidField(field, f"未知地区 Unknown region: {prefix}")
    return prefix


def village(code, field="village_code"):
    """The code of an existing village, else InvalidField on `field`."""
    found = db.session.scalar(select(Region.code).where(Region.code == code, Region.level == "village"))
    if found is None:
        raise InvalidField(field, "无此村 no such village")
    return found


def county_of(prefix):
    """The county of a region prefix, for the audit row; None above county level."""
    return prefix[:6] if len(prefix) >= 6 else None
