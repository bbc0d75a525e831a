"""One bad record never costs the others: a batch mixing good records with every kind of
bad one (malformed, card numbers in disguise, and one only the database refuses) stores
every good record, answers every record, and echoes nothing it refused."""
import uuid

from sqlalchemy import text

from app.extensions import db
from tests.sync_support import ledger_count, push, record, rollup_matches_recount

PAN = "4111111111111111"  # Luhn-valid test card number
DB_ONLY = "refused-by-the-database"


def _bad_records(point_id):
    """(label, record) pairs, each malformed in one way."""
    return [
        ("null", None),
        ("a number", 17),
        ("a list", [record(point_id)]),
        ("card with a trailing newline", record(point_id, card_masked="622848******1234\n")),
        ("full card as card_masked", record(point_id, card_masked=PAN)),
        ("card in the note, spaced", record(point_id, note="卡号 4111 1111 1111 1111")),
        ("card in the voucher, full-width", record(point_id, voucher_no="４１１１１１１１１１１１１１１１")),
        ("card in the note, zero-width", record(point_id, note="4111\u200b1111\u200b1111\u200b1111")),
        ("card in the note, dotted", record(point_id, note="4111.1111.1111.1111")),
        ("card as the id", dict(record(point_id), id=PAN)),
        ("lone surrogate", record(point_id, note="a\ud800b")),
        ("NUL", record(point_id, note="a\x00b")),
        ("control character", record(point_id, note="a\x1bb")),
        ("huge amount", record(point_id, amount_fen=10**40)),
        ("amount as a string", record(point_id, amount_fen="100")),
        ("nested data", record(point_id, note={"x": [1, {"y": 2}]})),
        ("no data", {"id": str(uuid.uuid4()), "type": "ledger_entry"}),
        ("year 1", record(point_id, occurred_at="0001-01-01T00:00:00+08:00")),
    ]


def test_good_records_are_stored_whatever_else_is_in_the_batch(app, client, world, login):
    headers = login("keeper_a")
    point = world.points["a1"]
    good = [record(point, note=f"good {n}") for n in range(5)]
    bad = _bad_records(point)
    batch = []
    for n, (_, raw) in enumerate(bad):
        batch.append(raw)
        if n < len(good):
            batch.append(good[n])

    resp = client.post("/api/v1/sync/push", json={"device_id": "phone-0001", "records": batch},
                       headers=headers)
    assert resp.status_code == 200
    results = resp.get_json()["results"]
    assert len(results) == len(batch)
    by_position = dict(zip(range(len(batch)), results, strict=True))
    for n, raw in enumerate(batch):
        if raw in good:
            assert by_position[n]["status"] == "accepted", by_position[n]
        else:
            assert by_position[n]["status"] == "rejected", (n, by_position[n])
    assert ledger_count(app) == len(good)
    # Neither the card number nor the invalid id comes back.
    assert "1111" not in resp.get_data(as_text=True).replace("******1234", "")
    assert all(r["id"] != PAN for r in results)
    assert rollup_matches_recount(app)


def test_a_record_only_the_database_refuses_is_refused_alone(app, client, world, login):
    """A rule the Python checks do not know (added here as a CHECK constraint) refuses
    its record; the others of the batch are stored and the rollups still add up. A resend
    answers the same, so the phone is never stuck."""
    with app.app_context():
        db.session.execute(text(
            "ALTER TABLE ledger_entries ADD CONSTRAINT test_only_db_refuses "
            f"CHECK (note IS DISTINCT FROM '{DB_ONLY}')"
        ))
        db.session.commit()
    try:
        headers = login("keeper_a")
        point = world.points["a1"]
        batch = [record(point), record(point, note=DB_ONLY), record(point), record(point)]
        first = push(client, headers, batch)
        assert [r["status"] for r in first] == ["accepted", "rejected", "accepted", "accepted"]
        assert DB_ONLY not in str(first) and "user_id" not in str(first)
        again = push(client, headers, batch)
        assert [r["status"] for r in again] == ["duplicate", "rejected", "duplicate", "duplicate"]
        assert ledger_count(app) == 3
        assert rollup_matches_recount(app)
    finally:
        with app.app_context():
            db.session.execute(text(
                "ALTER TABLE ledger_entries DROP CONSTRAINT test_only_db_refuses"))
            db.session.commit()


def test_masked_card_check_accepts_exactly_what_the_database_accepts(app):
    """The Python check and the CHECK constraint agree on edge cases, so no record passes
    one and fails the other."""
    from app.core.fields import is_masked_card

    cases = ["622848******1234", "622848******1234\n", "622848***1234", "622848*********1234",
             "622848**1234", "622848**********1234", "６２２８４８******1234", "622848******123",
             " 622848******1234", "622848******1234 "]
    with app.app_context():
        for value in cases:
            in_db = db.session.execute(
                text("SELECT CAST(:v AS text) ~ '^[0-9]{6}[*]{3,9}[0-9]{4}$'"), {"v": value}
            ).scalar()
            assert is_masked_card(value) == in_db, repr(value)
        db.session.remove()


def test_a_conflict_answer_never_echoes_the_stored_row(client, world, login):
    """A duplicate point code answers 409 naming the rule, not the database's detail
    (which quotes the stored values)."""
    headers = login("admin")
    url = f"/api/v1/service-points/{world.points['a1']}"
    code = "QJC-UNIQUE-0001"
    assert client.patch(url, json={"code": code}, headers=headers).status_code == 200
    resp = client.patch(f"/api/v1/service-points/{world.points['a2']}", json={"code": code},
                        headers=headers)
    assert resp.status_code == 409
    assert code not in resp.get_data(as_text=True)
    assert "Key (" not in resp.get_data(as_text=True)
