"""Factories for test data, and `build_world()`: a small registry spanning two
counties of Tongliao and one county outside it, two banks, a regulator, and one user of
every role with a known scope. Role-matrix tests rely on its shape.
"""
from dataclasses import dataclass, field
from datetime import date

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box

from app.auth.tokens import hash_password
from app.extensions import db
from app.models import GridAssignment, Organisation, Region, ServicePoint, Terminal, User
from app.models.regions import PREFIX_LENGTH

PASSWORD = "test-password-1"


def make_region(code, name, level, parent=None, lon=None, lat=None, size=0.05):
    code = code.ljust(12, "0")
    geom = centroid = None
    if lon is not None:
        centroid = from_shape(Point(lon, lat), srid=4326)
        if level == "village":
            geom = from_shape(
                MultiPolygon([box(lon - size, lat - size, lon + size, lat + size)]), srid=4326
            )
    region = Region(
        code=code,
        prefix=code[: PREFIX_LENGTH[level]],
        name=name,
        level=level,
        parent_code=parent.code if parent else None,
        county_code=code[:6] if level in ("county", "township", "village") else None,
        geom=geom,
        centroid=centroid,
        population=1200 if level == "village" else None,
        households=400 if level == "village" else None,
    )
    db.session.add(region)
    db.session.flush()
    return region


def make_org(name, kind, parent=None, region=None):
    org = Organisation(
        name=name, kind=kind, parent_id=parent.id if parent else None,
        region_code=region.code if region else None, path="/",
    )
    db.session.add(org)
    db.session.flush()
    org.path = Organisation.path_below(parent.path if parent else None, org.id)
    db.session.flush()
    return org


def make_point(bank, village, name, lon, lat, status="active", **extra):
    values = dict(
        bank_id=bank.id,
        bank_path=bank.path,
        name=name,
        shop_name=f"{name}副食商店",
        licence_no="92150502MA0" + village.code[-5:],
        keeper_name="王桂兰",
        keeper_phone="13904751234",
        address=f"{village.name}中心街1号",
        village_code=village.code,
        county_code=village.code[:6],
        location=from_shape(Point(lon, lat), srid=4326),
        services=["withdrawal", "balance_inquiry", "transfer", "bill_payment"],
        status=status,
        signage=True,
        opened_on=date(2020, 5, 1),
    )
    values.update(extra)
    point = ServicePoint(**values)
    db.session.add(point)
    db.session.flush()
    return point


def make_terminal(point, merchant_code, terminal_code, kind="pos"):
    terminal = Terminal(
        point_id=point.id, county_code=point.county_code, merchant_code=merchant_code,
        terminal_code=terminal_code, serial_no=f"SN{terminal_code}", kind=kind,
        installed_on=date(2020, 5, 1),
    )
    db.session.add(terminal)
    db.session.flush()
    return terminal


def make_user(username, role, org=None, point=None, county_code=None, password=PASSWORD,
              phone="13800001111"):
    user = User(
        username=username,
        password_hash=hash_password(password) if password else None,
        display_name=username,
        phone=phone,
        role=role,
        org_id=org.id if org else None,
        point_id=point.id if point else None,
        county_code=county_code or (point.county_code if point else None),
    )
    db.session.add(user)
    db.session.flush()
    return user


def assign(user, village, starts_on=date(2024, 1, 1)):
    row = GridAssignment(
        user_id=user.id, village_code=village.code, county_code=village.code[:6],
        starts_on=starts_on,
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclass
class World:
    """Ids of everything build_world() made, by short name."""

    regions: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    terminals: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    assignments: dict = field(default_factory=dict)


def build_world() -> World:
    """Tongliao (150500) with 科尔沁区 (150502) and 科左中旗 (150521), plus 沈阳和平区
    (210102) outside it. Bank A (农商银行) serves 科尔沁区, bank B (邮储银行) the others.

    Who sees what:
      keeper_a -> point a1 only; keeper_b -> point b1 only
      grid_a   -> village 150502001001 (point a1); grid_b -> 150521001001 (point b1)
      sup_a, field_a -> bank A's subtree (a1, a2); sup_b, field_b -> bank B's (b1, l1)
      regulator -> Tongliao (a1, a2, b1), not l1;  admin -> all
    """
    w = World()
    nm = make_region("15", "内蒙古自治区", "province")
    tl = make_region("1505", "通辽市", "city", nm, 122.24, 43.65)
    krq = make_region("150502", "科尔沁区", "county", tl, 122.25, 43.62)
    kzz = make_region("150521", "科尔沁左翼中旗", "county", tl, 123.31, 44.13)
    t1 = make_region("150502001", "大林镇", "township", krq, 122.3, 43.6)
    t2 = make_region("150521001", "保康镇", "township", kzz, 123.3, 44.1)
    v1 = make_region("150502001001", "前进村", "village", t1, 122.30, 43.60)
    v2 = make_region("150502001002", "胜利村", "village", t1, 122.40, 43.60)
    v3 = make_region("150521001001", "新华村", "village", t2, 123.30, 44.10)
    v4 = make_region("150521001002", "团结村", "village", t2, 123.40, 44.10)
    ln = make_region("21", "辽宁省", "province")
    sy = make_region("2101", "沈阳市", "city", ln, 123.43, 41.80)
    hp = make_region("210102", "和平区", "county", sy, 123.42, 41.79)
    t3 = make_region("210102001", "浑河站街道", "township", hp, 123.4, 41.7)
    v5 = make_region("210102001001", "长白村", "village", t3, 123.40, 41.70)
    for r in (nm, tl, krq, kzz, t1, t2, v1, v2, v3, v4, ln, sy, hp, t3, v5):
        w.regions[r.name] = r.code

    bank_a = make_org("通辽农村商业银行", "bank_head_office", region=tl)
    branch_a = make_org("通辽农商银行科尔沁支行", "bank_branch", bank_a, krq)
    outlet_a = make_org("大林镇分理处", "bank_outlet", branch_a, t1)
    bank_b = make_org("中国邮政储蓄银行", "bank_head_office")
    branch_b = make_org("邮储银行科左中旗支行", "bank_branch", bank_b, kzz)
    regulator = make_org("中国人民银行通辽市分行", "regulator", region=tl)
    for key, o in dict(bank_a=bank_a, branch_a=branch_a, outlet_a=outlet_a, bank_b=bank_b,
                       branch_b=branch_b, regulator=regulator).items():
        w.orgs[key] = o.id

    a1 = make_point(outlet_a, v1, "前进村助农取款服务点", 122.301, 43.601)
    a2 = make_point(branch_a, v2, "胜利村助农取款服务点", 122.401, 43.601, status="suspended")
    b1 = make_point(branch_b, v3, "新华村助农取款服务点", 123.301, 44.101)
    l1 = make_point(branch_b, v5, "长白村助农取款服务点", 123.401, 41.701)
    for key, p in dict(a1=a1, a2=a2, b1=b1, l1=l1).items():
        w.points[key] = p.id
    w.terminals["a1"] = make_terminal(a1, "102150570110001", "15050001").id
    w.terminals["b1"] = make_terminal(b1, "403150570110002", "15210001").id

    users = dict(
        keeper_a=make_user("keeper_a", "keeper", point=a1, phone="13904750001"),
        keeper_b=make_user("keeper_b", "keeper", point=b1, phone="13904750002"),
        grid_a=make_user("grid_a", "grid_worker", org=branch_a, county_code="150502"),
        grid_b=make_user("grid_b", "grid_worker", org=branch_b, county_code="150521"),
        field_a=make_user("field_a", "field_agent", org=branch_a, county_code="150502"),
        field_b=make_user("field_b", "field_agent", org=branch_b, county_code="150521"),
        sup_a=make_user("sup_a", "supervisor", org=bank_a),
        sup_b=make_user("sup_b", "supervisor", org=bank_b),
        regulator=make_user("regulator", "regulator", org=regulator),
        admin=make_user("admin", "admin"),
    )
    for key, u in users.items():
        w.users[key] = u.id
    w.assignments["grid_a"] = assign(users["grid_a"], v1).id
    w.assignments["grid_b"] = assign(users["grid_b"], v3).id
    db.session.commit()
    return w
