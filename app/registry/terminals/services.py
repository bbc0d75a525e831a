"""Terminal queries and transactions, scoped through the point they belong to."""
from sqlalchemy import select

from app.audit import record_change, snapshot
from app.auth.scope import point_scope
from app.core.clock import today
from app.core.exceptions import Conflict, InvalidField
from app.core.lookup import get_in_scope
from app.extensions import db
from app.models import ServicePoint, Terminal
from app.registry.points.services import get_point

FIELDS = ("point_id", "merchant_code", "terminal_code", "serial_no", "kind", "installed_on", "removed_on")


def get_terminal(user, terminal_id, lock=False):
    in_scope = Terminal.point_id.in_(select(ServicePoint.id).where(point_scope(user)))
    return get_in_scope(Terminal, terminal_id, in_scope, lock=lock)


def list_terminals(user, point_id):
    return get_point(user, point_id).terminals


def add_terminal(user, point_id, data):
    point = get_point(user, point_id, lock=True)
    if point.status == "closed":
        raise Conflict("已撤销的服务点不能新增机具 A closed point cannot get a terminal; reopen it first")
    terminal = Terminal(point_id=point.id, county_code=point.county_code, **data)
    _check_dates(terminal)
    db.session.add(terminal)
    db.session.flush()
    record_change(user, "create", "terminal", terminal.id, None, snapshot(terminal, FIELDS), point.county_code)
    db.session.commit()
    return terminal


def update_terminal(user, terminal_id, data):
    terminal = _installed_terminal(user, terminal_id)
    before = snapshot(terminal, FIELDS)
    for name, value in data.items():
        setattr(terminal, name, value)
    _check_dates(terminal)
    record_change(user, "update", "terminal", terminal.id, before, snapshot(terminal, FIELDS), terminal.county_code)
    db.session.commit()
    return terminal


def remove_terminal(user, terminal_id, data):
    terminal = _installed_terminal(user, terminal_id)
    before = snapshot(terminal, FIELDS)
    terminal.removed_on = data.get("removed_on") or today()
    if terminal.installed_on and terminal.removed_on < terminal.installed_on:
        raise InvalidField("removed_on", "撤除日期早于安装日期 Removal date is before the installation date")
    record_change(user, "remove", "terminal", terminal.id, before, snapshot(terminal, FIELDS),
                  terminal.county_code, data.get("reason"))
    db.session.commit()
    return terminal


def _installed_terminal(user, terminal_id):
    """The terminal, locked for a change; a removed one stays as history (409)."""
    terminal = get_terminal(user, terminal_id, lock=True)
    if terminal.removed_on is not None:
        raise Conflict(f"机具已于{terminal.removed_on}撤除 This terminal was removed on "
                       f"{terminal.removed_on}; register a new one")
    return terminal


def _check_dates(terminal):
    if terminal.installed_on and terminal.installed_on > today():
        raise InvalidField("installed_on", "安装日期不能晚于今天 Installation date is in the future")
