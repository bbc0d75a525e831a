"""Property test of exactly-once field sync: visits, their business (with voids),
anti-fraud talks, villagers' requests and risk-alert acknowledgements pushed in any order
(business before its visit included), resent, resent with a changed body, and with
answers lost, leave the server holding exactly the distinct acknowledged ids, each once,
and the per-village rollup by channel equal to a recount."""
import uuid

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import text

from app.extensions import db
from tests.field_support import V1, V2, business, talk, village_rollup_matches_recount, visit
from tests.sync_support import LEDGER_TABLES, PUSH

KINDS = ["withdrawal", "transfer", "card_repayment", "bill_payment", "balance_inquiry"]
DAYS = [f"2026-0{m}-{d:02d}T{h:02d}:00:00+08:00" for m in (3, 4) for d in (1, 2) for h in (0, 12, 23)]
TABLES = ("field_visits", "fraud_talks", "ledger_entries", "villager_requests", "alert_acks")
ALERTS = 3  # in force in grid_a's county: each acknowledged at most once by her
# What a changed body changes, by record type: a field its content hash covers.
CHANGED = {"request": "text", "alert_ack": "alert_id"}


def request(visit_record, **data):
    body = {"village_code": visit_record["data"]["village_code"], "visit_id": visit_record["id"],
            "category": "card_service", "text": "社保卡密码锁了", "deadline": "2026-05-01",
            "taken_at": "2026-04-02T10:00:00+08:00"}
    body.update(data)
    return {"id": str(uuid.uuid4()), "type": "request", "data": body}


def ack(alert_id):
    return {"id": str(uuid.uuid4()), "type": "alert_ack",
            "data": {"alert_id": alert_id, "acked_at": "2026-04-02T10:00:00+08:00"}}



def test_field_exactly_once_in_any_order(app, client, world, login, rules):
    headers = login("grid_a")
    with app.app_context():
        alerts = db.session.execute(text(
            "insert into risk_alerts (title, body, region_prefix, published_at)"
            " select '风险提示 ' || n, '谨防诈骗', '150502', '2026-01-01'"
            f" from generate_series(1, {ALERTS}) n returning id")).scalars().all()
        db.session.commit()
        db.session.remove()

    def send(records):
        resp = client.post(PUSH, json={"device_id": "grid-prop", "records": records}, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        results = resp.get_json()["results"]
        assert [r["id"] for r in results] == [r["id"] for r in records]
        return results

    class FieldSync(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            with app.app_context():
                db.session.execute(text(f"TRUNCATE {LEDGER_TABLES}, villager_requests, alert_acks"))
                db.session.commit()
                db.session.remove()
            self.visits = []  # every visit the phone made (sent or not)
            self.acked = {}
            self.lost = []

        def _visit(self, data):
            if not self.visits or data.draw(st.integers(0, 3)) == 0:
                self.visits.append(visit(data.draw(st.sampled_from([V1, V2]))))
            return data.draw(st.sampled_from(self.visits))

        def _fresh(self, data, n):
            batch = []
            for _ in range(n):
                v = self._visit(data)
                what = data.draw(st.sampled_from(["visit", "business", "void", "talk", "request", "ack"]))
                mine = [i for i, r in self.acked.items() if r["type"] == "ledger_entry"
                        and r["data"]["visit_id"] == v["id"]]
                sent = v["id"] in self.acked or any(v["id"] == x["id"] for b in self.lost for x in b)
                if what == "visit" and not sent:
                    batch.append(v)
                elif what == "void" and mine:
                    batch.append(business(v, kind="void", amount_fen=0, card_masked=None,
                                          void_of=data.draw(st.sampled_from(mine)),
                                          occurred_at=data.draw(st.sampled_from(DAYS))))
                elif what == "ack" and self._unacked(batch):
                    # Each alert once: a second id for the same alert would be the same
                    # fact (answered duplicate, not stored).
                    batch.append(ack(data.draw(st.sampled_from(self._unacked(batch)))))
                elif what == "request":
                    batch.append(request(v, category=data.draw(st.sampled_from(
                        ["card_service", "fraud_report", "other"]))))
                elif what == "talk":
                    batch.append(talk(v, attendance=data.draw(st.integers(0, 80))))
                else:
                    kind = data.draw(st.sampled_from(KINDS))
                    amount = 0 if kind == "balance_inquiry" else data.draw(st.integers(1, 300_000))
                    batch.append(business(v, kind=kind, amount_fen=amount,
                                          occurred_at=data.draw(st.sampled_from(DAYS))))
            # The same visit twice in one batch answers accepted then duplicate.
            seen, unique = set(), []
            for r in batch:
                if r["id"] not in seen:
                    seen.add(r["id"])
                    unique.append(r)
            return unique

        def _unacked(self, batch):
            sent = [r for r in [*self.acked.values(), *(x for b in self.lost for x in b), *batch]
                    if r["type"] == "alert_ack"]
            return sorted(set(alerts) - {r["data"]["alert_id"] for r in sent})

        @rule(data=st.data(), n=st.integers(1, 10))
        def push_new(self, data, n):
            batch = self._fresh(data, n)
            for rec, res in zip(batch, send(batch)):
                assert res["status"] == "accepted", res
                self.acked[rec["id"]] = rec

        @precondition(lambda self: self.acked)
        @rule(data=st.data())
        def resend(self, data):
            ids = data.draw(st.lists(st.sampled_from(sorted(self.acked)), min_size=1, max_size=8))
            assert all(r["status"] == "duplicate" for r in send([self.acked[i] for i in ids]))

        @precondition(lambda self: self.acked)
        @rule(data=st.data(), note=st.text(alphabet="改正备注abc", min_size=1, max_size=8))
        def resend_with_changed_body(self, data, note):
            rid = data.draw(st.sampled_from(sorted(self.acked)))
            original = self.acked[rid]
            key = CHANGED.get(original["type"], "note")
            value = alerts[0] if original["data"].get(key) != alerts[0] else alerts[1]
            changed = {**original, "data": {**original["data"],
                                            key: value if key == "alert_id" else note}}
            assert send([changed])[0]["status"] == "conflict"

        @rule(data=st.data(), n=st.integers(1, 6))
        def push_and_lose_the_answer(self, data, n):
            batch = [r for r in self._fresh(data, n)
                     if not any(r["id"] == x["id"] for b in self.lost for x in b)]
            if batch:
                send(batch)
                self.lost.append(batch)

        @precondition(lambda self: self.lost)
        @rule()
        def retry_lost(self):
            batch = self.lost.pop(0)
            assert all(r["status"] == "duplicate" for r in send(batch))
            for rec in batch:
                self.acked[rec["id"]] = rec

        @invariant()
        def server_holds_exactly_the_acknowledged_ids(self):
            expected = set(self.acked) | {r["id"] for b in self.lost for r in b}
            with app.app_context():
                ids = []
                for table in TABLES:
                    ids += db.session.execute(text(f"select id::text from {table}")).scalars().all()
                db.session.remove()
            assert len(ids) == len(set(ids)) and set(ids) == expected

        @invariant()
        def rollup_equals_recount(self):
            assert village_rollup_matches_recount(app)

    run_state_machine_as_test(
        FieldSync,
        settings=settings(max_examples=15, stateful_step_count=10, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
