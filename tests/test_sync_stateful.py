"""Property test of exactly-once sync: any interleaving of pushes, resends, resends with
a changed body, lost answers (the server committed, the phone never heard back) and lost
requests (the batch never reached the server) leaves the server holding exactly the
distinct acknowledged ids, each once, with its first body, and both rollups (per point
and per card) equal to a recount after every step."""
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import text

from app.extensions import db
from tests.sync_support import LEDGER_TABLES, PUSH, record, rollup_matches_recount

KINDS = ["withdrawal", "transfer", "cash_remittance", "bill_payment", "balance_inquiry"]
CARDS = ["622848******1234", "621700******5678", None]
DAYS = [f"2026-0{m}-{d:02d}T{h:02d}:00:00+08:00" for m in (3, 4) for d in (1, 2) for h in (0, 12, 23)]


def test_exactly_once_under_resends_and_lost_responses(app, client, world, login, rules):
    headers = login("keeper_a")
    point_id = world.points["a1"]

    def send(records):
        resp = client.post(PUSH, json={"device_id": "phone-prop", "records": records}, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        results = resp.get_json()["results"]
        assert [r["id"] for r in results] == [r.get("id") for r in records]
        return results

    class Sync(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            with app.app_context():
                db.session.execute(text(f"TRUNCATE {LEDGER_TABLES}"))
                db.session.commit()
                db.session.remove()
            self.acked = {}  # id -> the record the server acknowledged
            self.lost = []  # batches whose answer the client never saw
            self.unsent = []  # batches that never reached the server

        def _fresh(self, data, n):
            batch = []
            known = list(self.acked)
            for _ in range(n):
                if known and data.draw(st.booleans()):
                    target = data.draw(st.sampled_from(known))
                    batch.append(record(point_id, kind="void", void_of=target,
                                        occurred_at=data.draw(st.sampled_from(DAYS))))
                else:
                    kind = data.draw(st.sampled_from(KINDS))
                    amount = 0 if kind == "balance_inquiry" else data.draw(st.integers(1, 300_000))
                    batch.append(record(point_id, kind=kind, amount_fen=amount,
                                        card_masked=data.draw(st.sampled_from(CARDS)),
                                        occurred_at=data.draw(st.sampled_from(DAYS))))
            return batch

        @rule(data=st.data(), n=st.integers(1, 12), bad=st.booleans())
        def push_new(self, data, n, bad):
            batch = self._fresh(data, n)
            if bad:
                batch.insert(data.draw(st.integers(0, len(batch))), record(point_id, amount_fen=-1))
            for rec, res in zip(batch, send(batch)):
                if rec["data"]["amount_fen"] < 0:
                    assert res["status"] == "rejected"
                else:
                    assert res["status"] == "accepted", res
                    self.acked[rec["id"]] = rec

        @precondition(lambda self: self.acked)
        @rule(data=st.data())
        def resend(self, data):
            ids = data.draw(st.lists(st.sampled_from(sorted(self.acked)), min_size=1, max_size=8))
            results = send([self.acked[i] for i in ids])
            assert all(r["status"] == "duplicate" for r in results)

        @precondition(lambda self: self.acked)
        @rule(data=st.data(), note=st.text(alphabet="改正备注多收少付abcxyz", min_size=1, max_size=12))
        def resend_with_changed_body(self, data, note):
            rid = data.draw(st.sampled_from(sorted(self.acked)))
            original = self.acked[rid]
            changed = {**original, "data": {**original["data"], "note": note}}
            assert send([changed])[0]["status"] == "conflict"

        @rule(data=st.data(), n=st.integers(1, 8))
        def push_and_lose_the_answer(self, data, n):
            batch = self._fresh(data, n)
            send(batch)  # committed on the server; the phone never hears back
            self.lost.append(batch)

        @precondition(lambda self: self.lost)
        @rule()
        def retry_lost(self):
            batch = self.lost.pop(0)
            assert all(r["status"] == "duplicate" for r in send(batch))
            for rec in batch:
                self.acked[rec["id"]] = rec

        @rule(data=st.data(), n=st.integers(1, 8))
        def request_never_arrives(self, data, n):
            self.unsent.append(self._fresh(data, n))  # the phone keeps them queued

        @precondition(lambda self: self.unsent)
        @rule(data=st.data())
        def retry_unsent(self, data):
            """The queued batch, sent again, perhaps with lost ones and new records."""
            batch = self.unsent.pop(0)
            resent = self.lost.pop(0) if self.lost and data.draw(st.booleans()) else []
            new = self._fresh(data, data.draw(st.integers(0, 3)))
            results = send(batch + resent + new)
            statuses = [r["status"] for r in results]
            assert statuses == ["accepted"] * len(batch) + ["duplicate"] * len(resent) + ["accepted"] * len(new)
            for rec in batch + resent + new:
                self.acked[rec["id"]] = rec

        @invariant()
        def server_holds_exactly_the_acknowledged_ids(self):
            expected = set(self.acked) | {r["id"] for batch in self.lost for r in batch}
            with app.app_context():
                rows = db.session.execute(text("select id::text, note from ledger_entries")).all()
                db.session.remove()
            assert len(rows) == len({r.id for r in rows}) == len(expected)
            assert {r.id for r in rows} == expected
            # The first body wins: no changed resend ever overwrote a note.
            for r in rows:
                if r.id in self.acked:
                    assert r.note == self.acked[r.id]["data"].get("note")

        @invariant()
        def rollup_equals_recount(self):
            assert rollup_matches_recount(app)

    run_state_machine_as_test(
        Sync,
        settings=settings(
            max_examples=20, stateful_step_count=12, deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
