"""Organisation queries and transactions.

Who sees which organisations is app.auth.scope.bank_scope; only admins create or
change them.
"""
from sqlalchemy import select

from app.audit import record_change, snapshot
from app.auth.scope import bank_scope
from app.core.exceptions import InvalidField
from app.core.lookup import get_in_scope
from app.core.paging import paginate
from app.extensions import db
from app.models import Organisation, Region

FIELDS = ("kind", "name", "short_name", "parent_id", "path", "region_code")


def list_banks(user, args):
    stmt = select(Organisation).where(bank_scope(user))
    if args.get("kind"):
        stmt = stmt.where(Organisation.kind == args["kind"])
    if args.get("parent_id"):
        stmt = stmt.where(Organisation.parent_id == args["parent_id"])
    if args.get("q"):
        stmt = stmt.where(Organisation.name.icontains(args["q"], autoescape=True))
    return paginate(stmt, args, (Organisation.path, Organisation.id))


def get_bank(user, org_id):
    return get_in_scope(Organisation, org_id, bank_scope(user))


def create_bank(user, data):
    parent = None
    if data.get("parent_id"):
        parent = db.session.get(Organisation, data["parent_id"])
        if parent is None or not parent.is_bank or parent.kind == "bank_outlet":
            raise InvalidField("parent_id", "上级须为总行或支行 The parent must be a head office or branch")
    if (data["kind"] == "bank_head_office" or data["kind"] == "regulator") and parent is not None:
        raise InvalidField("parent_id", "总行和人民银行没有上级 Head offices and regulators have no parent")
    if data["kind"] in ("bank_branch", "bank_outlet") and parent is None:
        raise InvalidField("parent_id", "支行和网点须有上级 Branches and outlets need a parent")
    _check_region(data.get("region_code"))
    org = Organisation(**data, path="/")
    db.session.add(org)
    db.session.flush()
    org.path = Organisation.path_below(parent.path if parent else None, org.id)
    record_change(user, "create", "organisation", org.id, None, snapshot(org, FIELDS), _county(org))
    db.session.commit()
    return org


def update_bank(user, org_id, data):
    org = get_bank(user, org_id)
    before = snapshot(org, FIELDS)
    if "region_code" in data:
        _check_region(data["region_code"])
    for name, value in data.items():
        setattr(org, name, value)
    record_change(user, "update", "organisation", org.id, before, snapshot(org, FIELDS), _county(org))
    db.session.commit()
    return org


def _check_region(code):
    if code and db.session.get(Region, code) is None:
        raise InvalidField("region_code", "无此地区 No region with this code")


def _county(org):
    code = org.region_code
    return code[:6] if code and code[4:6] != "00" else None
