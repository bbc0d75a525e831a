"""Every id-bearing endpoint, and every field-work list and create, x every role in `world`.

In-scope access works; another scope's object answers 404 (indistinguishable from an id
that does not exist); a role that may never do the thing answers 403; no token, 401.
A list also holds exactly the objects of the caller's scope (`sees`), and an id in a
body outside the caller's reach is refused (`rest`, 422 where the body is at fault).
"""
import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from app.core.clock import today
from app.extensions import db
from app.models import (
    FieldVisit,
    Finding,
    Inspection,
    LimitRule,
    PlannedVisit,
    RiskAlert,
    Team,
    TeamMember,
    Training,
    TrainingAttendee,
    VillagerRequest,
)

ROLES = ("keeper_a", "keeper_b", "grid_a", "grid_b", "field_a", "field_b", "sup_a", "sup_b", "regulator", "admin")
ALL = set(ROLES)
WRITERS = {"sup_a", "sup_b", "admin"}

# Who may read bank A's point a1 (and its terminal, history, terminals list).
A1_READERS = {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}
# Bank B's point l1 lies outside the regulator's region (Liaoning).
L1_READERS = {"field_b", "sup_b", "admin"}
A_WRITERS = {"sup_a", "admin"}
# Alerts and limit rules are published and ended by regulators (in their region) and admins.
PUBLISHERS = {"regulator", "admin"}
# Bank B serves l1 in 沈阳, so its people see 沈阳's alerts; Tongliao-only users do not.
SHENYANG_READERS = {"field_b", "sup_b", "admin"}
# Who acknowledges risk alerts: the people working in the villages.
FIELD_AND_KEEPERS = {"keeper_a", "keeper_b", "grid_a", "grid_b", "field_a", "field_b"}


# Field work (tests.factories.build_world): who sees what.
B1_READERS = {"keeper_b", "grid_b", "field_b", "sup_b", "regulator", "admin"}
# Villagers' requests: the taker and the assignee, plus the area (a grid worker's
# villages, a keeper's point village, a supervisor's bank, the regulator's region).
# request:a was taken by grid_a in 前进村 (a1's village), request:b by grid_b in 新华村,
# request:l by field_b in 长白村 (沈阳, outside the regulator's region).
REQUEST_A_READERS = {"keeper_a", "grid_a", "sup_a", "regulator", "admin"}
REQUEST_B_READERS = {"keeper_b", "grid_b", "sup_b", "regulator", "admin"}
REQUEST_L_READERS = {"field_b", "sup_b", "admin"}
EVERYONE_BUT_REGULATOR = ALL - {"regulator"}
# Visits: her own for a field worker, her bank's for a supervisor, her region's for the
# regulator; keepers read none. visit:a by grid_a in 前进村, visit:b by field_b in 新华村,
# visit:l by field_b in 长白村.
VISIT_READERS = ALL - {"keeper_a", "keeper_b"}
FIELD_SYNC = {"grid_a", "grid_b", "field_a", "field_b"}
# Inspections: done by field agents and supervisors (not admins) on points in scope;
# the keeper fixes a finding, the bank verifies the fix.
INSPECTORS = {"field_a", "field_b", "sup_a", "sup_b"}
FIXERS = {"keeper_a", "keeper_b", "sup_a", "sup_b"}
# Mobile teams: the bank's supervisors keep them, members and the People's Bank read.
# team:a is bank A's (field_a a member), team:b bank B's (field_b a member), both
# planning in Tongliao; team:l bank B's too, planning only in Shenyang, outside the
# regulator's region.
TEAM_READERS = {"field_a", "field_b", "sup_a", "sup_b", "regulator", "admin"}
TEAM_A_READERS = {"field_a", "sup_a", "regulator", "admin"}
TEAM_B_READERS = {"field_b", "sup_b", "regulator", "admin"}
TEAM_L_READERS = {"sup_b", "admin"}
# Trainings: run by a bank, followed by the People's Bank.
TRAINING_READERS = {"sup_a", "sup_b", "regulator", "admin"}


def E(name, method, path, ok, forbidden=frozenset(), body=None, sees=(), rest=404):
    """An endpoint case: roles in `ok` succeed, in `forbidden` get 403, the rest `rest`
    (404; 422 where another scope's id in the body is at fault).

    `sees`: (list, field, placeholder, roles) -- in a successful answer, the object is in
    `list` (a top-level key of the body) exactly for the roles named."""
    return pytest.param(method, path, frozenset(ok), frozenset(forbidden), body, tuple(sees), rest,
                        id=name)


def seen(items, field, placeholder, roles):
    return (items, field, placeholder, frozenset(roles))


ENDPOINTS = [
    # service points
    E("point.get", "GET", "/api/v1/service-points/{point:a1}", A1_READERS),
    E("point.get.outside_region", "GET", "/api/v1/service-points/{point:l1}", L1_READERS),
    E("point.patch", "PATCH", "/api/v1/service-points/{point:a1}", A_WRITERS, ALL - WRITERS, {"name": "新名称"}),
    E("point.suspend", "POST", "/api/v1/service-points/{point:a1}/suspend", A_WRITERS, ALL - WRITERS, {"reason": "x"}),
    E("point.close", "POST", "/api/v1/service-points/{point:a1}/close", A_WRITERS, ALL - WRITERS, {"reason": "x"}),
    E("point.reopen", "POST", "/api/v1/service-points/{point:a2}/reopen", A_WRITERS, ALL - WRITERS, {"reason": "x"}),
    E("point.history", "GET", "/api/v1/service-points/{point:a1}/history", A1_READERS),
    E("point.terminals", "GET", "/api/v1/service-points/{point:a1}/terminals", A1_READERS),
    E("point.terminals.add", "POST", "/api/v1/service-points/{point:a1}/terminals", A_WRITERS, ALL - WRITERS,
      {"merchant_code": "102150570119999", "terminal_code": "15059999"}),
    # terminals
    E("terminal.get", "GET", "/api/v1/terminals/{terminal:a1}", A1_READERS),
    E("terminal.patch", "PATCH", "/api/v1/terminals/{terminal:a1}", A_WRITERS, ALL - WRITERS, {"serial_no": "SN-2"}),
    E("terminal.remove", "POST", "/api/v1/terminals/{terminal:a1}/remove", A_WRITERS, ALL - WRITERS, {}),
    # users and devices (keeper_a: a keeper of bank A working in 科尔沁区)
    E("user.get", "GET", "/api/v1/users/{user:keeper_a}", {"keeper_a", "sup_a", "regulator", "admin"}),
    E("user.patch", "PATCH", "/api/v1/users/{user:keeper_a}", A_WRITERS, ALL - WRITERS, {"display_name": "王桂兰"}),
    E("user.devices", "GET", "/api/v1/users/{user:keeper_a}/devices", {"keeper_a", "sup_a", "admin"}, {"regulator"}),
    E("device.revoke", "POST", "/api/v1/devices/{device:keeper_a}/revoke", A_WRITERS, ALL - WRITERS, {}),
    # grid assignments (grid_a in village 前进村, point a1's village)
    E("assignment.get", "GET", "/api/v1/grid-assignments/{assignment:grid_a}",
      {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}),
    E("assignment.end", "POST", "/api/v1/grid-assignments/{assignment:grid_a}/end", A_WRITERS, ALL - WRITERS, {}),
    # banks
    E("bank.get", "GET", "/api/v1/banks/{org:branch_a}", {"keeper_a", "grid_a", "field_a", "sup_a", "regulator", "admin"}),
    E("bank.get.regulator", "GET", "/api/v1/banks/{org:regulator}", {"regulator", "admin"}),
    E("bank.patch", "PATCH", "/api/v1/banks/{org:branch_a}", {"admin"}, ALL - {"admin"}, {"short_name": "科尔沁支行"}),
    # regions are reference data: any signed-in user
    E("region.get", "GET", "/api/v1/regions/{region:150502}", ALL),
    # risk alerts: everyone whose area holds a village of the alert's region sees it
    E("alert.get", "GET", "/api/v1/alerts/{alert:tongliao}", ALL),
    E("alert.get.national", "GET", "/api/v1/alerts/{alert:national}", ALL),
    E("alert.get.outside_region", "GET", "/api/v1/alerts/{alert:shenyang}", SHENYANG_READERS),
    E("alert.withdraw", "POST", "/api/v1/alerts/{alert:tongliao}/withdraw", PUBLISHERS, ALL - PUBLISHERS,
      {"reason": "内容有误"}),
    # The regulator sees a national alert but may withdraw only her region's: 403.
    E("alert.withdraw.national", "POST", "/api/v1/alerts/{alert:national}/withdraw", {"admin"},
      ALL - {"admin"}, {}),
    # ... and does not see 沈阳's at all: 404.
    E("alert.withdraw.outside_region", "POST", "/api/v1/alerts/{alert:shenyang}/withdraw", {"admin"},
      ALL - PUBLISHERS, {}),
    # Acknowledgements: everyone working in an alert's area acknowledges it; publishers
    # follow who has.
    E("alert.ack", "POST", "/api/v1/alerts/{alert:tongliao}/ack", FIELD_AND_KEEPERS,
      ALL - FIELD_AND_KEEPERS),
    E("alert.ack.outside_region", "POST", "/api/v1/alerts/{alert:shenyang}/ack", {"field_b"},
      ALL - FIELD_AND_KEEPERS),
    E("alert.acks", "GET", "/api/v1/alerts/{alert:tongliao}/acks", PUBLISHERS, ALL - PUBLISHERS),
    E("alert.acks.outside_region", "GET", "/api/v1/alerts/{alert:shenyang}/acks", {"admin"},
      ALL - PUBLISHERS),
    # limit rules: the rules in force for a point follow the point's scope
    E("limits.effective", "GET", "/api/v1/limits/effective?point_id={point:a1}", A1_READERS),
    E("limits.effective.outside_region", "GET", "/api/v1/limits/effective?point_id={point:l1}", L1_READERS),
    E("limit.end", "POST", "/api/v1/limits/{rule:tongliao}/end", PUBLISHERS, ALL - PUBLISHERS,
      {"reason": "新规替代"}),
    # Rules are public reading, so a rule outside the regulator's region is a 403, not a 404.
    E("limit.end.outside_region", "POST", "/api/v1/limits/{rule:shenyang}/end", {"admin"},
      ALL - {"admin"}, {}),
    # --- field work: visits, requests, inspections, teams, trainings, the phone's pull ---
    E("visits.list", "GET", "/api/v1/visits?limit=100", VISIT_READERS, {"keeper_a", "keeper_b"},
      sees=[seen("items", "id", "{visit:a}", {"grid_a", "sup_a", "regulator", "admin"}),
            seen("items", "id", "{visit:b}", {"field_b", "sup_b", "regulator", "admin"}),
            seen("items", "id", "{visit:l}", {"field_b", "sup_b", "admin"})]),
    E("field.pull", "GET", "/api/v1/field/pull", FIELD_SYNC, ALL - FIELD_SYNC,
      sees=[seen("records", "id", "{visit:a}", {"grid_a"}),
            seen("records", "id", "{visit:b}", {"field_b"}),
            seen("points", "id", "{point:a1}", {"grid_a", "field_a"}),
            seen("points", "id", "{point:b1}", {"grid_b", "field_b"}),
            # l1 is bank B's, but outside field_b's county: her phone does not carry it.
            seen("points", "id", "{point:l1}", set()),
            seen("requests", "id", "{request:a}", {"grid_a"}),
            seen("requests", "id", "{request:b}", {"grid_b"}),
            seen("requests", "id", "{request:l}", {"field_b"})]),
    # villagers' requests
    E("requests.list", "GET", "/api/v1/requests?limit=100", ALL,
      sees=[seen("items", "id", "{request:a}", REQUEST_A_READERS),
            seen("items", "id", "{request:b}", REQUEST_B_READERS),
            seen("items", "id", "{request:l}", REQUEST_L_READERS)]),
    # Taken by whoever meets the villager, wherever; the regulator takes none.
    E("requests.create", "POST", "/api/v1/requests", EVERYONE_BUT_REGULATOR, {"regulator"},
      {"village_code": "150502001001", "category": "card_service", "text": "社保卡密码锁了",
       "deadline": (today() + timedelta(days=7)).isoformat()}),
    E("request.get", "GET", "/api/v1/requests/{request:a}", REQUEST_A_READERS),
    E("request.get.other_county", "GET", "/api/v1/requests/{request:b}", REQUEST_B_READERS),
    E("request.get.outside_region", "GET", "/api/v1/requests/{request:l}", REQUEST_L_READERS),
    E("request.assign", "POST", "/api/v1/requests/{request:a}/assign", A_WRITERS, ALL - WRITERS,
      {"assignee_id": "{user:field_a}"}),
    E("request.assign.other_bank", "POST", "/api/v1/requests/{request:l}/assign", {"sup_b", "admin"},
      ALL - WRITERS, {"assignee_id": "{user:field_b}"}),
    # Assigned to field_a: she resolves it (or the bank); grid_a sees it but is not the
    # assignee.
    E("request.resolve", "POST", "/api/v1/requests/{request:a_assigned}/resolve", {"field_a", "sup_a", "admin"},
      {"keeper_a", "keeper_b", "regulator", "grid_a"}, {"resolution": "更换了4G通信模块"}),
    # Resolved: closed by the taker (grid_a), the assignee (field_a) or the bank; keeper_a
    # sees it but took none of it.
    E("request.close", "POST", "/api/v1/requests/{request:a_resolved}/close",
      {"grid_a", "field_a", "sup_a", "admin"}, {"regulator", "keeper_a"},
      {"feedback": "已能正常取款", "satisfied": True}),
    E("request.close.outside_region", "POST", "/api/v1/requests/{request:l_resolved}/close",
      {"field_b", "sup_b", "admin"}, {"regulator"}, {"feedback": "已办好", "satisfied": True}),
    # inspections and findings (one inspection each at a1, b1 and l1, each with a finding)
    E("inspections.list", "GET", "/api/v1/inspections?limit=100", ALL,
      sees=[seen("items", "id", "{inspection:a1}", A1_READERS),
            seen("items", "id", "{inspection:b1}", B1_READERS),
            seen("items", "id", "{inspection:l1}", L1_READERS)]),
    E("inspections.create", "POST", "/api/v1/inspections", {"field_a", "sup_a"}, ALL - INSPECTORS,
      {"point_id": "{point:a1}", "failed_items": ["signage"], "note": None}),
    E("inspections.create.outside_region", "POST", "/api/v1/inspections", {"field_b", "sup_b"},
      ALL - INSPECTORS, {"point_id": "{point:l1}", "failed_items": []}),
    E("inspections.due", "GET", "/api/v1/inspections/due?limit=100", ALL,
      sees=[seen("items", "point_id", "{point:a1}", A1_READERS),
            seen("items", "point_id", "{point:b1}", B1_READERS),
            seen("items", "point_id", "{point:l1}", L1_READERS)]),
    E("findings.list", "GET", "/api/v1/findings?limit=100", ALL,
      sees=[seen("items", "id", "{finding:a1}", A1_READERS),
            seen("items", "id", "{finding:b1}", B1_READERS),
            seen("items", "id", "{finding:l1}", L1_READERS)]),
    E("finding.fix", "POST", "/api/v1/findings/{finding:a1}/fix", {"keeper_a", "sup_a"}, ALL - FIXERS,
      {"fix": "已张贴收费标准"}),
    E("finding.fix.other_county", "POST", "/api/v1/findings/{finding:b1}/fix", {"keeper_b", "sup_b"},
      ALL - FIXERS, {"fix": "已张贴收费标准"}),
    E("finding.verify", "POST", "/api/v1/findings/{finding:a1_fixed}/verify", {"field_a", "sup_a"},
      ALL - INSPECTORS),
    E("finding.verify.outside_region", "POST", "/api/v1/findings/{finding:l1_fixed}/verify",
      {"field_b", "sup_b"}, ALL - INSPECTORS),
    # mobile teams and their plans
    E("teams.list", "GET", "/api/v1/teams?limit=100", TEAM_READERS, ALL - TEAM_READERS,
      sees=[seen("items", "id", "{team:a}", TEAM_A_READERS),
            seen("items", "id", "{team:b}", TEAM_B_READERS),
            seen("items", "id", "{team:l}", TEAM_L_READERS)]),
    # For another bank: the body is at fault (422).
    E("teams.create", "POST", "/api/v1/teams", A_WRITERS, ALL - WRITERS,
      {"name": "科尔沁流动服务二队", "bank_id": "{org:branch_a}"}, rest=422),
    E("team.get", "GET", "/api/v1/teams/{team:a}", TEAM_A_READERS, ALL - TEAM_READERS),
    E("team.get.other_bank", "GET", "/api/v1/teams/{team:b}", TEAM_B_READERS, ALL - TEAM_READERS),
    E("team.get.outside_region", "GET", "/api/v1/teams/{team:l}", TEAM_L_READERS, ALL - TEAM_READERS),
    E("team.members.add", "POST", "/api/v1/teams/{team:a}/members", A_WRITERS, ALL - WRITERS,
      {"user_id": "{user:grid_a}"}),
    E("team.members.add.other_bank", "POST", "/api/v1/teams/{team:b}/members", {"sup_b", "admin"},
      ALL - WRITERS, {"user_id": "{user:grid_b}"}),
    E("team.plans", "GET", "/api/v1/teams/{team:a}/plans", TEAM_A_READERS, ALL - TEAM_READERS,
      sees=[seen("items", "id", "{plan:a}", TEAM_A_READERS)]),
    E("team.plans.other_bank", "GET", "/api/v1/teams/{team:b}/plans", TEAM_B_READERS, ALL - TEAM_READERS,
      sees=[seen("items", "id", "{plan:b}", TEAM_B_READERS)]),
    E("team.plans.add", "POST", "/api/v1/teams/{team:a}/plans", A_WRITERS, ALL - WRITERS,
      {"village_code": "150502001002", "planned_on": (today() + timedelta(days=3)).isoformat()}),
    # trainings
    E("trainings.list", "GET", "/api/v1/trainings?limit=100", TRAINING_READERS, ALL - TRAINING_READERS,
      sees=[seen("items", "id", "{training:a}", {"sup_a", "regulator", "admin"}),
            seen("items", "id", "{training:b}", {"sup_b", "regulator", "admin"})]),
    E("trainings.create", "POST", "/api/v1/trainings", A_WRITERS, ALL - WRITERS,
      {"topic": "反诈知识培训", "held_on": today().isoformat(), "bank_id": "{org:branch_a}",
       "attendee_ids": ["{user:keeper_a}", "{user:grid_a}"]}, rest=422),
    E("trainings.untrained", "GET", "/api/v1/trainings/untrained?limit=100", TRAINING_READERS,
      ALL - TRAINING_READERS,
      sees=[seen("items", "user_id", "{user:keeper_a}", {"sup_a", "regulator", "admin"}),
            seen("items", "user_id", "{user:grid_b}", {"sup_b", "regulator", "admin"}),
            seen("items", "user_id", "{user:field_a}", set())]),
    E("alert.ack.national", "POST", "/api/v1/alerts/{alert:national}/ack", FIELD_AND_KEEPERS,
      ALL - FIELD_AND_KEEPERS),
]


@pytest.fixture
def device(app, world, login):
    """keeper_a signs in on a phone, which registers a device: its id."""
    login("keeper_a", device_id="phone-of-keeper-a")
    with app.app_context():
        device_id = db.session.execute(
            text("select id from devices where device_key = 'phone-of-keeper-a'")).scalar_one()
        db.session.remove()
    return device_id


@pytest.fixture
def notices(app, world):
    """Alerts in force for 通辽 (1505), nationally and for 沈阳 (2101), and withdrawal
    limit rules for 通辽 and 沈阳 in force since 2024: ids by short name."""
    since = datetime.now(UTC) - timedelta(hours=1)
    with app.app_context():
        alerts = {
            name: RiskAlert(title=f"警惕冒充客服诈骗 {name}", body="客服不会要求您转账到“安全账户”。",
                            region_prefix=prefix, published_by=world.orgs["regulator"], published_at=since)
            for name, prefix in (("tongliao", "1505"), ("national", ""), ("shenyang", "2101"))
        }
        rules = {
            name: LimitRule(kind="withdrawal", region_prefix=prefix, per_card_daily_fen=150000,
                            valid_from=date(2024, 1, 1))
            for name, prefix in (("tongliao", "1505"), ("shenyang", "2101"))
        }
        db.session.add_all([*alerts.values(), *rules.values()])
        db.session.commit()
        ids = {"alert": {k: a.id for k, a in alerts.items()}, "rule": {k: r.id for k, r in rules.items()}}
        db.session.remove()
    return ids


def _hash(*parts):
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


@pytest.fixture
def fieldwork(app, world):
    """Field work in every scope, each object in the state its endpoint acts on: visits,
    villagers' requests (open, assigned to field_a, resolved), an inspection with an open
    and a fixed finding at a1, b1 and l1, a mobile team of each bank with a member and a
    plan, a training of each bank. Ids by short name."""
    u, now = world.users, datetime.now(UTC)
    paths = {}
    with app.app_context():
        for key in ("branch_a", "branch_b"):
            paths[key] = db.session.execute(
                text("select path from organisations where id = :i"), {"i": world.orgs[key]}).scalar_one()
        visits = {
            name: FieldVisit(id=str(uuid.uuid4()), user_id=u[who], channel=channel, village_code=village,
                             county_code=village[:6], bank_path=paths[branch],
                             started_at=now - timedelta(hours=2), ended_at=now - timedelta(hours=1),
                             village_source="picked", households=5, body_hash=_hash(name))
            for name, who, channel, village, branch in (
                ("a", "grid_a", "grid", "150502001001", "branch_a"),
                ("b", "field_b", "mobile", "150521001001", "branch_b"),
                ("l", "field_b", "mobile", "210102001001", "branch_b"))
        }
        requests = {}
        for name, who, village, branch, state in (
                ("a", "grid_a", "150502001001", "branch_a", "open"),
                ("b", "grid_b", "150521001001", "branch_b", "open"),
                ("l", "field_b", "210102001001", "branch_b", "open"),
                ("a_assigned", "grid_a", "150502001001", "branch_a", "assigned"),
                ("a_resolved", "grid_a", "150502001001", "branch_a", "resolved"),
                ("l_resolved", "field_b", "210102001001", "branch_b", "resolved")):
            assignee = {"a": "field_a", "l": "field_b"}[name[0]] if state != "open" else None
            requests[name] = VillagerRequest(
                id=str(uuid.uuid4()), village_code=village, county_code=village[:6],
                category="card_service", text="社保卡密码锁了", deadline=today() + timedelta(days=7),
                status=state, created_by=u[who], bank_path=paths[branch], taken_at=now,
                assignee_id=u[assignee] if assignee else None,
                resolution="已解锁" if state == "resolved" else None,
                resolved_at=now if state == "resolved" else None, body_hash=_hash(name))
        db.session.add_all([*visits.values(), *requests.values()])
        inspections, findings = {}, {}
        for key in ("a1", "b1", "l1"):
            inspector = "field_a" if key == "a1" else "field_b"
            inspections[key] = Inspection(
                id=str(uuid.uuid4()), point_id=world.points[key], inspector_id=u[inspector],
                county_code={"a1": "150502", "b1": "150521", "l1": "210102"}[key],
                inspected_at=now - timedelta(days=1), failed_items=["fee_list_posted", "signage"],
                body_hash=_hash(key))
        db.session.add_all(inspections.values())
        db.session.flush()
        for key, insp in inspections.items():
            findings[key] = Finding(inspection_id=insp.id, point_id=insp.point_id, item="signage",
                                    deadline=today() + timedelta(days=15))
            findings[f"{key}_fixed"] = Finding(
                inspection_id=insp.id, point_id=insp.point_id, item="fee_list_posted",
                deadline=today() + timedelta(days=15), status="fixed", fix="已张贴", fixed_at=now)
        teams = {"a": Team(name="科尔沁流动服务队", bank_id=world.orgs["branch_a"]),
                 "b": Team(name="科左中旗流动服务队", bank_id=world.orgs["bank_b"]),
                 "l": Team(name="和平区流动服务队", bank_id=world.orgs["bank_b"])}
        trainings = {
            key: Training(topic=f"反诈知识培训 {key}", held_on=date(2025, 3, 1), bank_id=world.orgs[bank],
                          created_by=u[sup])
            for key, bank, sup in (("a", "branch_a", "sup_a"), ("b", "bank_b", "sup_b"))
        }
        db.session.add_all([*findings.values(), *teams.values(), *trainings.values()])
        db.session.flush()
        plans = {}
        for key, member, village, sup in (("a", "field_a", "150502001001", "sup_a"),
                                          ("b", "field_b", "150521001001", "sup_b")):
            db.session.add(TeamMember(team_id=teams[key].id, user_id=u[member]))
            plans[key] = PlannedVisit(team_id=teams[key].id, village_code=village,
                                      planned_on=today(), created_by=u[sup])
        plans["l"] = PlannedVisit(team_id=teams["l"].id, village_code="210102001001",
                                  planned_on=today(), created_by=u["sup_b"])
        db.session.add_all(plans.values())
        # A training long ago for grid_a and keeper_b: everyone is still due one.
        db.session.add_all([TrainingAttendee(training_id=trainings["a"].id, user_id=u["grid_a"]),
                            TrainingAttendee(training_id=trainings["b"].id, user_id=u["keeper_b"])])
        db.session.commit()
        ids = {
            "visit": {k: v.id for k, v in visits.items()},
            "request": {k: r.id for k, r in requests.items()},
            "inspection": {k: i.id for k, i in inspections.items()},
            "finding": {k: f.id for k, f in findings.items()},
            "team": {k: t.id for k, t in teams.items()},
            "plan": {k: p.id for k, p in plans.items()},
            "training": {k: t.id for k, t in trainings.items()},
        }
        db.session.remove()
    return ids


@pytest.fixture
def ids(notices, fieldwork):
    return {**notices, **fieldwork}


def resolve(path, world, device_id, ids):
    """Fill {kind:key} placeholders with ids from the world and `ids`."""
    pools = {"point": world.points, "terminal": world.terminals, "user": world.users,
             "assignment": world.assignments, "org": world.orgs, **ids}
    out = path
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        kind, key = out[start + 1:end].split(":")
        if kind == "device":
            value = device_id
        elif kind == "region":
            value = key
        else:
            value = pools[kind][key]
        out = out[:start] + str(value) + out[end + 1:]
    return out


def fill(body, world, device_id, ids):
    """A body with every "{kind:key}" value replaced by that id (an integer id stays one)."""
    if isinstance(body, dict):
        return {k: fill(v, world, device_id, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [fill(v, world, device_id, ids) for v in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}") and ":" in body:
        value = resolve(body, world, device_id, ids)
        return int(value) if value.isdigit() else value
    return body


def call(client, method, path, body, headers=None):
    return client.open(path, method=method, json=body if method != "GET" else None, headers=headers or {})


# Every table a refused write could touch, fingerprinted row by row.
WRITABLE = ("service_points", "terminals", "users", "devices", "api_tokens", "grid_assignments",
            "organisations", "risk_alerts", "limit_rules", "audit_events", "alert_acks",
            "field_visits", "villager_requests", "inspections", "inspection_findings", "teams",
            "team_members", "planned_visits", "trainings", "training_attendees")


def fingerprint(app):
    with app.app_context():
        prints = {
            t: db.session.execute(text(f"select md5(coalesce(string_agg(x::text, '|' order by x::text), ''))"
                                       f" from {t} x")).scalar()
            for t in WRITABLE
        }
        db.session.remove()
    return prints


ERROR_CODES = {403: "forbidden", 404: "not_found", 422: "validation_error"}
# An id that exists nowhere, of each kind of path parameter.
MISSING = {"request": "00000000-0000-4000-8000-00000000dead"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, ok, forbidden, body, sees, rest", ENDPOINTS)
def test_role_matrix(app, client, world, login, device, ids, role, method, path, ok, forbidden, body, sees,
                     rest):
    headers = login(role)
    before = fingerprint(app) if method != "GET" and role not in ok else None
    resp = call(client, method, resolve(path, world, device, ids), fill(body, world, device, ids), headers)
    expected = "ok" if role in ok else 403 if role in forbidden else rest
    if expected == "ok":
        assert 200 <= resp.status_code < 300, (role, resp.status_code, resp.get_json())
        answer = resp.get_json()
        for items, field, placeholder, roles in sees:  # exactly her scope's objects
            wanted = fill(placeholder, world, device, ids)
            present = wanted in {item[field] for item in answer[items]}
            assert present == (role in roles), (role, items, placeholder, present)
    else:
        assert resp.status_code == expected, (role, resp.get_json())
        assert resp.get_json()["error"]["code"] == ERROR_CODES[expected]
    if before is not None:  # a refused write changed nothing, not even the audit log
        assert fingerprint(app) == before, (role, method, path)


@pytest.mark.parametrize("method, path, ok, forbidden, body, sees, rest", ENDPOINTS)
def test_unauthenticated_is_401(client, world, device, ids, method, path, ok, forbidden, body, sees, rest):
    resp = call(client, method, resolve(path, world, device, ids), fill(body, world, device, ids))
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("method, path, ok, forbidden, body, sees, rest", ENDPOINTS)
def test_out_of_scope_looks_like_missing(client, world, login, device, ids, method, path, ok, forbidden,
                                         body, sees, rest):
    """An id from another scope and an id that does not exist get the same answer."""
    outsider = next((r for r in ROLES if r not in ok and r not in forbidden), None)
    if outsider is None or "{" not in path or "{region" in path or rest != 404:
        pytest.skip("no role answers 404 for this object")
    headers = login(outsider)
    body = fill(body, world, device, ids)
    real = call(client, method, resolve(path, world, device, ids), body, headers)
    kind = path.split("{", 1)[1].split(":", 1)[0]
    missing_path = path.split("{")[0] + MISSING.get(kind, "2147483000") + path.split("}", 1)[1]
    missing = call(client, method, resolve(missing_path, world, device, ids), body, headers)
    assert real.status_code == missing.status_code == 404
    assert real.get_json() == missing.get_json()
