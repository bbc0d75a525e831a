"""Both rollups, ledger_daily (per point) and ledger_card_daily (per card in a county, the
totals behind the over-the-daily-cap flag), pinned to expected values for every way a
void can arrive, and equal to a recount of the live records. Each case runs with its
records in one batch and with every record in a batch of its own, since the rollup
statement takes different paths for the two."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import ServicePoint
from tests import factories
from tests.sync_support import push, record, rollup_matches_recount, rollups

DAY = "2026-03-02T10:00:00+08:00"
D = date(2026, 3, 2)
CARD = "622848******1234"
OTHER = "621700******5678"
KRQ = "150502"  # county of points a1 and a2
BATCHING = ["one batch", "one by one"]


def _send(client, headers, records, batching):
    if batching == "one batch":
        return push(client, headers, records)
    return [push(client, headers, [r])[0] for r in records]


def _today():
    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    return now.isoformat(timespec="seconds"), now.date()


@pytest.mark.parametrize("batching", BATCHING)
def test_void_of_a_void_changes_nothing(client, world, login, rules, app, batching):
    a1, headers = world.points["a1"], login("keeper_a")
    x = record(a1, amount_fen=50000, occurred_at=DAY)
    v = record(a1, kind="void", void_of=x["id"], occurred_at=DAY)
    w = record(a1, kind="void", void_of=v["id"], occurred_at=DAY)  # does not revive x
    keep = record(a1, amount_fen=20000, occurred_at=DAY, card_masked=OTHER)
    results = _send(client, headers, [x, v, w, keep], batching)
    assert [r["status"] for r in results] == ["accepted"] * 4
    assert "void_target_unknown" in results[2]["flags"]  # a void is not a live target
    daily, card = rollups(app)
    assert daily == {(a1, D, "withdrawal"): (1, 20000)}
    assert card == {(KRQ, OTHER, D, "withdrawal"): (1, 20000)}
    assert rollup_matches_recount(app)


@pytest.mark.parametrize("batching", BATCHING)
def test_two_voids_of_one_record_subtract_it_once(client, world, login, rules, app, batching):
    a1, headers = world.points["a1"], login("keeper_a")
    x = record(a1, amount_fen=50000, occurred_at=DAY)
    y = record(a1, amount_fen=30000, occurred_at=DAY)
    v1 = record(a1, kind="void", void_of=x["id"], occurred_at=DAY)
    v2 = record(a1, kind="void", void_of=x["id"], occurred_at=DAY, note="再次作废")
    _send(client, headers, [x, y, v1, v2], batching)
    daily, card = rollups(app)
    assert daily == {(a1, D, "withdrawal"): (1, 30000)}
    assert card == {(KRQ, CARD, D, "withdrawal"): (1, 30000)}
    assert rollup_matches_recount(app)


@pytest.mark.parametrize("batching", BATCHING)
def test_void_arriving_before_its_target(client, world, login, rules, app, batching):
    a1, headers = world.points["a1"], login("keeper_a")
    x = record(a1, kind="transfer", amount_fen=70000, occurred_at=DAY)
    v = record(a1, kind="void", void_of=x["id"], occurred_at=DAY)
    z = record(a1, kind="transfer", amount_fen=12000, occurred_at=DAY)
    results = _send(client, headers, [v, z, x], batching)
    assert [r["status"] for r in results] == ["accepted"] * 3
    daily, card = rollups(app)
    assert daily == {(a1, D, "transfer"): (1, 12000)}
    assert card == {(KRQ, CARD, D, "transfer"): (1, 12000)}
    assert rollup_matches_recount(app)


@pytest.mark.parametrize("batching", BATCHING)
def test_void_frees_room_under_the_card_cap(client, world, login, rules, app, batching):
    """2,000 yuan a card a day (PBoC 2014): 1,500 voided, then 1,000 fits; 1,500 more does not."""
    a1, headers = world.points["a1"], login("keeper_a")
    now, today = _today()
    x = record(a1, amount_fen=150000, occurred_at=now)
    v = record(a1, kind="void", void_of=x["id"], occurred_at=now)
    _send(client, headers, [x, v], batching)
    y = record(a1, amount_fen=100000, occurred_at=now)
    z = record(a1, amount_fen=150000, occurred_at=now)
    flags = [r["flags"] for r in _send(client, headers, [y, z], batching)]
    assert "over_daily_cap" not in flags[0]
    assert "over_daily_cap" in flags[1]
    daily, card = rollups(app)
    assert daily == {(a1, today, "withdrawal"): (2, 250000)}
    assert card == {(KRQ, CARD, today, "withdrawal"): (2, 250000)}
    assert rollup_matches_recount(app)


@pytest.mark.parametrize("batching", BATCHING)
def test_same_card_at_two_points_of_one_county(client, world, login, rules, app, batching):
    """The cap is per card across the county: 1,500 at a1 then 1,000 at a2 is over it; the
    same card in another county starts from nothing."""
    with app.app_context():
        factories.make_user("keeper_a2", "keeper", point=db.session.get(ServicePoint, world.points["a2"]),
                            phone="13904750003")
        db.session.commit()
        db.session.remove()
    a1, a2, b1 = world.points["a1"], world.points["a2"], world.points["b1"]
    now, today = _today()
    first = _send(client, login("keeper_a"), [record(a1, amount_fen=150000, occurred_at=now)], batching)
    second = _send(client, login("keeper_a2"), [record(a2, amount_fen=100000, occurred_at=now)], batching)
    elsewhere = _send(client, login("keeper_b"), [record(b1, amount_fen=150000, occurred_at=now)], batching)
    assert "over_daily_cap" not in first[0]["flags"]
    assert "over_daily_cap" in second[0]["flags"]
    assert "over_daily_cap" not in elsewhere[0]["flags"]
    daily, card = rollups(app)
    assert daily == {
        (a1, today, "withdrawal"): (1, 150000),
        (a2, today, "withdrawal"): (1, 100000),
        (b1, today, "withdrawal"): (1, 150000),
    }
    assert card == {
        (KRQ, CARD, today, "withdrawal"): (2, 250000),
        ("150521", CARD, today, "withdrawal"): (1, 150000),
    }
    assert rollup_matches_recount(app)
