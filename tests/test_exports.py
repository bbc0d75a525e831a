"""GET /api/v1/exports/ledger.csv: the ledger as a file people open in Excel, streamed,
scoped by the token's user, cards masked, every export in the audit log."""
import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Region, User
from tests import factories
from tests.field_support import business, visit
from tests.sync_support import push, record

LEDGER_CSV = "/api/v1/exports/ledger.csv"
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
RANGE = f"?from={TODAY - timedelta(days=7)}&to={TODAY}"


def _rows(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    raw = resp.get_data()
    assert raw.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _fill(client, world, login):
    a = push(client, login("keeper_a"), [
        record(world.points["a1"], amount_fen=100500, note="=HYPERLINK(\"http://x\")"),
        record(world.points["a1"], kind="transfer", amount_fen=777, card_masked="621700*****0001"),
    ])
    b = push(client, login("keeper_b"), [record(world.points["b1"], amount_fen=20000)])
    return [r["id"] for r in a], [r["id"] for r in b]


def test_ledger_csv_has_chinese_headers_yuan_masked_cards_and_defused_formulas(
        client, world, login, rules):
    a_ids, _ = _fill(client, world, login)
    resp = client.get(LEDGER_CSV + RANGE, headers=login("sup_a"))
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="ledger-')
    header, *rows = _rows(resp)
    assert header[:3] == ["序号", "记录编号", "发生时间（北京时间）"]
    by_id = {row[1]: dict(zip(header, row)) for row in rows}
    assert set(by_id) == set(a_ids)
    first, second = by_id[a_ids[0]], by_id[a_ids[1]]
    assert first["金额（元）"] == "1005.00" and second["金额（元）"] == "7.77"
    assert first["业务类型"] == "取款" and second["业务类型"] == "转账汇款"
    assert first["卡号（脱敏）"] == "622848******1234"
    assert first["标记"] == "not_multiple_of_10"
    assert first["渠道"] == "服务点" and first["村代码"] == "150502001001" and first["走访编号"] == ""
    assert first["备注"] == "'=HYPERLINK(\"http://x\")"  # Excel shows it, never runs it
    # Beijing time, as the keeper saw it.
    datetime.strptime(first["发生时间（北京时间）"], "%Y-%m-%d %H:%M:%S")


def test_scope_and_filters(client, world, login, rules, app):
    a_ids, b_ids = _fill(client, world, login)
    v = visit()
    grid = [r["id"] for r in push(client, login("grid_a"), [v, business(v)])][1:]
    a_ids += grid  # bank A's grid worker, in a Tongliao village
    ids = lambda resp: {row[1] for row in _rows(resp)[1:]}  # noqa: E731
    assert ids(client.get(LEDGER_CSV + RANGE, headers=login("regulator"))) == set(a_ids + b_ids)
    assert ids(client.get(LEDGER_CSV + RANGE + "&region=150521",
                          headers=login("regulator"))) == set(b_ids)
    assert ids(client.get(LEDGER_CSV + RANGE + "&kind=transfer",
                          headers=login("sup_a"))) == {a_ids[1]}
    assert ids(client.get(LEDGER_CSV + RANGE, headers=login("sup_b"))) == set(b_ids)
    # A county's regulator cannot reach the other county by asking for it.
    with app.app_context():
        county = db.session.get(Region, "150502000000")
        org = factories.make_org("中国人民银行科尔沁区支行", "regulator", region=county)
        factories.make_user("county_reg", "regulator", org=org)
        db.session.commit()
        db.session.remove()
    county_reg = login("county_reg")
    assert ids(client.get(LEDGER_CSV + RANGE, headers=county_reg)) == set(a_ids)
    resp = client.get(LEDGER_CSV + RANGE + "&region=150521", headers=county_reg)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "region_out_of_scope"
    for role in ("keeper_a", "grid_a", "field_a"):
        assert client.get(LEDGER_CSV + RANGE, headers=login(role)).status_code == 403


def test_every_export_is_audited_with_its_row_count(client, world, login, rules, app):
    _fill(client, world, login)
    _rows(client.get(LEDGER_CSV + RANGE + "&region=1505", headers=login("regulator")))
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.entity == "ledger_csv"
        assert event.actor_id == db.session.scalar(select(User.id).where(User.username == "regulator"))
        assert event.after["rows"] == 3 and event.after["completed"] is True
        assert event.after["filters"]["region"] == "1505"
        assert event.scope
        db.session.remove()


def test_export_cut_off_by_the_client_leaves_one_complete_audit_row(client, world, login, rules, app):
    _fill(client, world, login)
    resp = client.get(LEDGER_CSV + RANGE, headers=login("sup_a"), buffered=False)
    chunks = iter(resp.response)
    assert next(chunks).startswith("\ufeff".encode())
    resp.close()  # the client went away after the first block
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.after["completed"] is False and event.after["rows"] is None
        db.session.remove()


def test_bad_ranges_are_422_with_the_field(client, world, login):
    headers = login("regulator")
    for query, field in (
        ("", "from"),
        (f"?from={TODAY}", "to"),
        (f"?from={TODAY}&to={TODAY - timedelta(days=1)}", "from"),
        (f"?from={TODAY - timedelta(days=400)}&to={TODAY}", "to"),
        (RANGE + "&region=abc", "region"),
        (RANGE + "&kind=lottery", "kind"),
    ):
        resp = client.get(LEDGER_CSV + query, headers=headers)
        assert resp.status_code == 422, query
        assert field in resp.get_json()["error"]["fields"], query
