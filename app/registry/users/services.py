"""People and their devices: scoped lists, creation and changes, device revocation.

Who sees whom is app.auth.scope.user_scope; who changes whom, `manages`: an admin
anyone, a supervisor the keepers, grid workers and field agents of her bank's subtree.
Phones are shown unmasked to the person herself and to whoever manages her (the owners
of the record): a user returned from here carries `shown_phone` for its reader.
"""
from sqlalchemy import or_, select

from app.audit import record_change
from app.audit import snapshot as audit_snapshot
from app.auth import tokens
from app.auth.scope import manages, org_in_reach, point_scope, sees_phone_of, user_scope
from app.auth.tokens import hash_password, revoke_user_tokens
from app.core.exceptions import Conflict, Forbidden, InvalidField
from app.core.lookup import get_in_scope
from app.core.paging import paginate
from app.extensions import db
from app.models import Device, Organisation, ServicePoint, User
from app.privacy import mask_phone

ORG_ROLES = ("supervisor", "regulator", "field_agent", "grid_worker")
FIELDS = ("username", "display_name", "phone", "role", "org_id", "point_id", "county_code", "active")


def _shown(actor, target):
    """The user as `actor` may read her: the phone masked unless she owns the record."""
    target.shown_phone = target.phone if sees_phone_of(actor, target) else mask_phone(target.phone)
    return target


def snapshot(target) -> dict:
    data = audit_snapshot(target, FIELDS)
    data["can_sign_in"] = target.password_hash is not None
    return data


def list_users(actor, args):
    stmt = select(User).where(user_scope(actor))
    for name in ("role", "org_id", "point_id", "active"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(User, name) == args[name])
    if args.get("county"):
        stmt = stmt.where(User.county_code.startswith(args["county"]))
    if args.get("q"):
        q = args["q"]
        stmt = stmt.where(or_(User.username.icontains(q, autoescape=True),
                              User.display_name.icontains(q, autoescape=True)))
    page = paginate(stmt, args, (User.id,))
    for target in page["items"]:
        _shown(actor, target)
    return page


def get_user(actor, user_id, lock=False):
    return _shown(actor, get_in_scope(User, user_id, user_scope(actor), lock=lock))


def create_user(actor, data):
    if not manages(actor, data["role"]):
        raise Forbidden("主管只能添加服务点负责人、网格员和流动服务队员 "
                        "Supervisors add keepers, grid workers and field agents only")
    if db.session.scalar(select(User.id).where(User.username == data["username"])):
        raise Conflict("用户名已被使用 This username is taken")
    password = data.pop("password", None)
    data.setdefault("active", True)
    target = User(**data)
    target.password_hash = hash_password(password) if password else None
    _check_links(actor, target)
    db.session.add(target)
    db.session.flush()
    record_change(actor, "create", "user", target.id, None, snapshot(target), target.county_code)
    db.session.commit()
    return _shown(actor, target)


def update_user(actor, user_id, data):
    target = get_user(actor, user_id, lock=True)
    if not manages(actor, target.role):
        raise Forbidden("您不能修改此用户 You may not change this user")
    before = snapshot(target)
    password_changed = "password" in data
    if password_changed:
        password = data.pop("password")
        target.password_hash = hash_password(password) if password else None
        revoke_user_tokens(target)
    for name, value in data.items():
        setattr(target, name, value)
    if before["active"] and not target.active:
        # Switched off means signed out everywhere: switching her on again later must
        # not bring back the tokens issued before.
        revoke_user_tokens(target)
    _check_links(actor, target)
    record_change(actor, "update", "user", target.id, before, snapshot(target), target.county_code,
                  "password set" if password_changed else None)
    db.session.commit()
    return _shown(actor, target)


def _check_links(actor, target):
    """The role's links must exist and lie in the actor's scope; derive the county."""
    with db.session.no_autoflush:  # check before the database sees a half-changed user
        _check_role_links(actor, target)


def _check_role_links(actor, target):
    if target.role == "keeper":
        point = db.session.scalar(
            select(ServicePoint).where(ServicePoint.id == target.point_id, point_scope(actor))
        ) if target.point_id else None
        if point is None:
            raise InvalidField("point_id", "服务点负责人须关联您管辖的服务点 A keeper needs a point in your scope")
        target.county_code = point.county_code
    elif target.point_id is not None:
        raise InvalidField("point_id", "只有服务点负责人关联服务点 Only keepers belong to a point")
    if target.role in ORG_ROLES:
        org = db.session.get(Organisation, target.org_id) if target.org_id else None
        wanted_regulator = target.role == "regulator"
        if org is None or (org.kind == "regulator") != wanted_regulator or not org_in_reach(actor, org):
            kind = "人民银行分行 a regulator" if wanted_regulator else "您管辖的银行机构 a bank in your scope"
            raise InvalidField("org_id", f"须关联{kind} Must belong to {kind.split(' ', 1)[1]}")
        if target.county_code is None and org.region_code and org.region_code[4:6] != "00":
            target.county_code = org.region_code[:6]
    elif target.org_id is not None:
        if target.role == "keeper":
            raise InvalidField("org_id", "服务点负责人属于服务点而非机构 A keeper belongs to a point, not an organisation")
        _require_org_in_reach(actor, target.org_id)


def _require_org_in_reach(actor, org_id):
    org = db.session.get(Organisation, org_id)
    if org is None or not org_in_reach(actor, org):
        raise InvalidField("org_id", "无此机构 No such organisation in your scope")


# Devices -------------------------------------------------------------------------

def list_devices(actor, user_id):
    target = get_user(actor, user_id)
    return db.session.scalars(
        select(Device).where(Device.user_id == target.id).order_by(Device.id)
    ).all()


def revoke_device(actor, device_id, reason=None):
    """A lost phone: the device and every token issued to it stop working at once."""
    in_scope = Device.user_id.in_(select(User.id).where(user_scope(actor)))
    device = get_in_scope(Device, device_id, in_scope, lock=True)
    if device.revoked_at is not None:
        raise Conflict("设备已停用 This device is already revoked")
    owner = db.session.get(User, device.user_id)
    before = {"user_id": device.user_id, "label": device.label, "revoked_at": None}
    tokens.revoke_device(device)
    record_change(actor, "revoke", "device", device.id, before, {**before, "revoked_at": device.revoked_at},
                  owner.county_code, reason)
    db.session.commit()
    return device
