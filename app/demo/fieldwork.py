"""Demo field work for Tongliao, around the business of app/demo/business.py:

- a mobile service team (流动服务队) per county rural commercial bank, the Kailu bank's
  being the volunteer team whose visits the business holds; members are the team's field
  agent, the first grid workers of the county and, in the Kailu and Horqin teams, the demo
  field agent. Each team plans its members' visits of the year (done, matched by the
  visits themselves), some it then missed, and the next weeks' (not done yet);
- villagers' requests (诉求) taken on some of the visits and, recently, by grid workers,
  the demo keeper and the demo field agent, in every state (open, assigned, resolved,
  closed with the villager's feedback), old unresolved ones and some recent ones overdue;
- the banks' inspection intervals (rural banks a quarter, the Postal Savings Bank half a
  year, the Agricultural Bank four months) and inspections of every open point at about
  that interval since 2024 by a field agent of the point's county branch; failed checklist
  items are findings owned by the keeper, open, fixed or verified, some past their
  deadline; nearly a quarter of the points are overdue for their next inspection;
- quarterly training sessions of each rural bank for its grid workers (and the demo
  keeper): a tenth never trained, a fifth not within the last year.

Dates of requests, inspections, findings and trainings are counted back from the day of
loading, so the demo always has some open, due and overdue; within a day, every load is
the same (ids and choices come from md5 of stable keys, never from random()). The rows
are made inside PostgreSQL (INSERT ... SELECT), like the business.
"""
import time

from sqlalchemy import text

from app.extensions import db
from app.models.field import INSPECTION_ITEMS

KAILU = "150523"
HORQIN = "150502"
TODAY = "(now() AT TIME ZONE 'Asia/Shanghai')::date"
MEMBERS_PER_TEAM = 5  # grid workers on each county's team
RECENT_REQUESTS = 240  # taken in the last 60 days
TRAINING_SESSIONS = 12  # per rural bank, one a quarter
# Inspection interval and days to fix a finding, per bank (InspectionPolicy).
POLICIES = {"rural": (90, 15), "中国邮政储蓄银行": (180, 30), "中国农业银行": (120, 20)}


def h(key: str) -> str:
    """SQL: a stable pseudo-random integer in [0, 2^28) from a text key."""
    return f"(('x' || substr(md5({key}), 1, 7))::bit(28)::int)"


def pick(options, index: str) -> str:
    """SQL: one of `options` (text) by a non-negative integer expression."""
    quoted = ", ".join("'" + o.replace("'", "''") + "'" for o in options)
    return f"(ARRAY[{quoted}])[1 + ({index}) % {len(options)}]"


def by(column: str, table: dict, index: str) -> str:
    """SQL: CASE over `column` picking one of each value's options by `index`."""
    whens = " ".join(f"WHEN '{k}' THEN {pick(v, index)}" for k, v in table.items())
    return f"CASE {column} {whens} END"


# Villagers' requests: category by h % 20 (cash and card services most often).
CATEGORY_BY_20 = (["cash_service"] * 5 + ["card_service"] * 4 + ["fraud_report"] * 3
                  + ["complaint"] * 2 + ["credit"] * 2 + ["social_security"] * 3 + ["other"])
REQUEST_TEXT = {
    "cash_service": ["村里服务点取款机具经常连不上网，希望尽快修好",
                     "服务点现金不够，老人取养老金要跑到镇上",
                     "希望服务点增加现金汇款业务，给外地上学的孩子汇生活费"],
    "card_service": ["社保卡密码忘了，想在村里重置",
                     "银行卡被锁，不知道怎么解锁",
                     "想给孩子办一张借记卡，问需要带什么材料"],
    "fraud_report": ["接到自称公安的电话，说我的卡涉嫌洗钱，要我转账到安全账户",
                     "微信上有人冒充亲戚借钱，已经转了500元",
                     "有人上门推销高息理财，说保本保息，村民想核实"],
    "complaint": ["服务点收取了查询手续费，按规定应免费",
                  "服务点负责人不在时没人能办业务",
                  "服务点没有张贴收费标准"],
    "credit": ["春耕想贷款买化肥种子，问惠农贷款怎么申请",
               "想申请创业担保贷款开养殖场",
               "贷款到期想办理续贷"],
    "social_security": ["城乡居民医保缴费想在村里办理",
                        "养老金到账时间不清楚，想查询发放记录",
                        "新农合报销款没到账，想查询"],
    "other": ["希望在村里开展一次金融知识讲座", "想了解数字人民币怎么用"],
}
RESOLUTION = {
    "cash_service": ["已联系收单银行更换机具并恢复网络，试机正常",
                     "已协调网点为服务点增配备付金，并告知村民每月发放日"],
    "card_service": ["已预约镇上网点上门办理，村民已完成密码重置",
                     "已指导村民携带身份证到网点办理，业务已办结"],
    "fraud_report": ["已劝阻村民继续转账，协助拨打96110并向派出所报案",
                     "已向村民讲解常见诈骗手法，涉事账户已报送止付"],
    "complaint": ["已核实并责令服务点退还多收费用，张贴收费标准",
                  "已约谈服务点负责人，明确营业时间并安排替班人员"],
    "credit": ["客户经理已上门调查，贷款申请已受理",
               "已告知办理流程和所需材料，客户经理将于下周入户"],
    "social_security": ["已协助村民在服务点完成缴费并出具凭证",
                        "已查询发放记录并告知村民到账时间"],
    "other": ["已安排下次入村时开展金融知识宣传", "已现场演示数字人民币钱包开通和使用"],
}
FEEDBACK_GOOD = ["村民表示满意，问题已解决", "回访时村民很满意，感谢上门服务",
                 "村民认可处理结果"]
FEEDBACK_POOR = ["村民认为处理时间太长，希望以后更快", "村民对结果基本认可，但希望服务点延长营业时间"]

INSPECTION_NOTE = ["抽查登记簿和机具，现场告知整改要求", "检查发现问题，已拍照留存，限期整改",
                   "与负责人核对问题清单并签字确认"]
FIX = {
    "terminal_works": ["已报修，收单机构更换机具后试机正常"],
    "signage": ["已重新制作并悬挂服务点标识牌"],
    "fee_list_posted": ["已在醒目位置张贴最新收费标准"],
    "notices_posted": ["已张贴防范电信诈骗和业务须知公告"],
    "register_kept": ["已补登近期交易，登记簿按日记录并签字"],
    "keeper_knows_rules": ["负责人已参加网点培训，考核合格"],
    "cash_adequate": ["已与网点约定备付金调拨，现金充足"],
}
TOPICS = ["助农取款业务操作规范与登记簿填写", "防范电信网络诈骗知识培训",
          "反假货币与人民币流通知识", "个人金融信息保护与客户身份识别",
          "助农机具日常维护与故障处理", "农村普惠金融政策解读（社保卡、医保缴费）"]
_ITEMS = "ARRAY[" + ", ".join(f"'{i}'" for i in INSPECTION_ITEMS) + "]"


STATEMENTS = [
    # --- inspection intervals and inspectors ----------------------------------------
    f"""
    INSERT INTO inspection_policies (bank_id, every_days, fix_days)
    SELECT id, {POLICIES['rural'][0]}, {POLICIES['rural'][1]} FROM organisations
    WHERE kind = 'bank_head_office' AND region_code LIKE '1505%'
    UNION ALL
    SELECT o.id, p.every_days, p.fix_days FROM organisations o
    JOIN (VALUES {", ".join(f"('{k}', {v[0]}, {v[1]})" for k, v in POLICIES.items()
                            if k != 'rural')}) p (name, every_days, fix_days)
      ON p.name = o.name
    WHERE o.kind = 'bank_head_office'
    """,
    # One field agent per county branch inspects its points; the demo field agent those
    # of her own branch (the Horqin rural bank's).
    """
    INSERT INTO users (username, display_name, phone, role, org_id, county_code, active)
    SELECT 'inspector-' || o.id, coalesce(o.short_name, o.name) || '巡检员',
           '1390000' || lpad(o.id::text, 4, '0'), 'field_agent', o.id,
           left(o.region_code, 6), true
    FROM organisations o
    WHERE o.kind = 'bank_branch' AND o.region_code LIKE '1505%'
      AND NOT EXISTS (SELECT 1 FROM users u WHERE u.username = 'demo-field' AND u.org_id = o.id)
    ORDER BY o.id
    """,
    """
    CREATE TEMP TABLE demo_inspectors ON COMMIT DROP AS
    SELECT u.id AS user_id, o.path FROM users u JOIN organisations o ON o.id = u.org_id
    WHERE u.username = 'demo-field' OR u.username LIKE 'inspector-%'
    """,
    # Every open point of Tongliao, inspected at about its bank's interval since 2024:
    # the last time `lag` days ago (beyond the interval for about a fifth of them), the
    # ones before that an interval apart, give or take a few days. The demo keeper's
    # point failed its last three; the last one's findings are still hers to fix.
    f"""
    CREATE TEMP TABLE demo_inspections ON COMMIT DROP AS
    SELECT md5('inspection-' || p.id || '-' || k)::uuid AS id, p.id AS point_id,
           i.user_id AS inspector_id, p.county_code, pol.every_days, pol.fix_days,
           ((d.day + TIME '09:30' + ({h("p.id || '-' || k || 't'")} % 420) * INTERVAL '1 minute')
               AT TIME ZONE 'Asia/Shanghai') AS inspected_at,
           f.r, k, (p.id = (SELECT point_id FROM users WHERE username = 'demo-keeper')
                    AND k < 3) AS forced
    FROM service_points p
    JOIN demo_inspectors i ON strpos(p.bank_path, i.path) = 1
    CROSS JOIN LATERAL (
        SELECT pp.every_days, pp.fix_days FROM inspection_policies pp
        WHERE strpos(p.bank_path, '/' || pp.bank_id || '/') > 0
        ORDER BY strpos(p.bank_path, '/' || pp.bank_id || '/') DESC LIMIT 1) pol
    CROSS JOIN LATERAL (
        SELECT CASE WHEN p.id = (SELECT point_id FROM users WHERE username = 'demo-keeper')
                    THEN 40 ELSE {h("p.id || '-lag'")} % (pol.every_days * 13 / 10) END AS lag) l
    CROSS JOIN generate_series(0, 20) k
    CROSS JOIN LATERAL (
        SELECT {TODAY} - l.lag - k * pol.every_days
               + ({h("p.id || '-' || k || 'd'")} % 11 - 5) AS day) d
    CROSS JOIN LATERAL (SELECT {h("p.id || '-' || k || 'f'")} % 100 AS r) f
    WHERE p.county_code LIKE '1505%' AND p.status <> 'closed'
      AND d.day >= greatest(DATE '2024-01-01', p.opened_on) AND d.day < {TODAY}
    """,
    # Failed items: none in 70 of 100 inspections, one item, or two.
    f"""
    INSERT INTO inspections (id, point_id, inspector_id, county_code, inspected_at,
        failed_items, note, body_hash)
    SELECT i.id, i.point_id, i.inspector_id, i.county_code, i.inspected_at,
           ARRAY(SELECT DISTINCT ({_ITEMS})[1 + x] FROM unnest(ARRAY[
                     CASE WHEN i.r >= 70 OR i.forced THEN i.r % 7 END,
                     CASE WHEN i.r >= 90 THEN (i.r / 7) % 7 END]) x
                 WHERE x IS NOT NULL ORDER BY 1),
           CASE WHEN i.r >= 70 OR i.forced THEN {pick(INSPECTION_NOTE, 'i.r')}
                ELSE '检查项目全部合格' END,
           md5('inspection-' || i.id) || md5('inspection-body-' || i.id)
    FROM demo_inspections i ORDER BY i.inspected_at, i.id
    """,
    # Findings: within their deadline open or fixed; past it, mostly verified, some fixed
    # and awaiting verification, and a quarter of those due in the last two months still
    # open (overdue by days or weeks); the older ones were all dealt with.
    f"""
    INSERT INTO inspection_findings (inspection_id, point_id, item, owner_id, deadline,
        status, fix, fixed_at, verified_by, verified_at)
    SELECT s.id, s.point_id, s.item, s.owner_id, s.deadline, s.status,
           CASE WHEN s.status <> 'open' THEN {by('s.item', FIX, 's.r')} END,
           CASE WHEN s.status <> 'open' THEN s.fixed_at END,
           CASE WHEN s.status = 'verified' THEN s.inspector_id END,
           CASE WHEN s.status = 'verified'
                THEN least(s.fixed_at + (2 + s.r % 5) * INTERVAL '1 day',
                           now() - INTERVAL '1 hour') END
    FROM (
        SELECT n.id, n.point_id, n.inspector_id, x.item, n.inspected_at,
               (SELECT min(u.id) FROM users u
                WHERE u.point_id = n.point_id AND u.role = 'keeper' AND u.active) AS owner_id,
               d.deadline, r.r,
               CASE WHEN p.forced AND p.k = 0 THEN 'open'  -- the demo keeper's to fix
                    WHEN d.deadline >= {TODAY}
                    THEN CASE WHEN r.r % 3 = 0 THEN 'fixed' ELSE 'open' END
                    WHEN d.deadline >= {TODAY} - 60
                    THEN CASE WHEN r.r % 4 = 0 THEN 'open' WHEN r.r % 4 = 1 THEN 'fixed'
                              ELSE 'verified' END
                    ELSE CASE WHEN r.r % 40 = 1 THEN 'fixed' ELSE 'verified' END END AS status,
               least(n.inspected_at + (1 + r.r % p.fix_days) * INTERVAL '1 day',
                     now() - INTERVAL '2 hours') AS fixed_at
        FROM inspections n
        JOIN demo_inspections p ON p.id = n.id
        CROSS JOIN LATERAL unnest(n.failed_items) x (item)
        CROSS JOIN LATERAL (SELECT {h("n.id::text || x.item")} AS r) r
        CROSS JOIN LATERAL (
            SELECT (n.inspected_at AT TIME ZONE 'Asia/Shanghai')::date + p.fix_days
                   AS deadline) d
    ) s
    ORDER BY s.inspected_at, s.id, s.item
    """,
    # --- mobile service teams and their plans -------------------------------------------
    """
    INSERT INTO teams (name, bank_id)
    SELECT replace(b.short_name, '营业部', '')
           || CASE WHEN b.region_code LIKE '150523%' THEN '金融志愿服务队' ELSE '流动服务队' END,
           b.parent_id
    FROM organisations b JOIN organisations h ON h.id = b.parent_id
    WHERE b.kind = 'bank_branch' AND h.kind = 'bank_head_office'
      AND h.region_code LIKE '1505%' AND b.short_name LIKE '%农商银行营业部'
    ORDER BY h.id
    """,
    f"""
    INSERT INTO team_members (team_id, user_id)
    SELECT t.id, u.id FROM teams t
    JOIN organisations h ON h.id = t.bank_id
    JOIN LATERAL (
        SELECT u.id FROM users u JOIN organisations o ON o.id = u.org_id
        WHERE u.role = 'grid_worker' AND o.parent_id = h.id
        ORDER BY u.id LIMIT {MEMBERS_PER_TEAM}) u ON true
    UNION
    SELECT t.id, u.id FROM teams t
    JOIN organisations h ON h.id = t.bank_id
    JOIN users u ON (u.username = 'kailu-volunteers' AND h.region_code LIKE '{KAILU}%')
                 OR (u.username = 'demo-field'
                     AND (h.region_code LIKE '{KAILU}%' OR h.region_code LIKE '{HORQIN}%'))
    """,
    # Done: the day and village of each member's visit. Missed: one in six of those
    # planned again a week later. Upcoming: the next weeks' rounds.
    f"""
    CREATE TEMP TABLE demo_plans ON COMMIT DROP AS
    SELECT DISTINCT m.team_id, v.village_code,
           (v.started_at AT TIME ZONE 'Asia/Shanghai')::date AS planned_on
    FROM field_visits v JOIN team_members m ON m.user_id = v.user_id
    WHERE v.county_code LIKE '1505%'
    """,
    f"""
    INSERT INTO demo_plans
    SELECT team_id, village_code, planned_on + 7 FROM demo_plans
    WHERE {h("team_id || village_code || planned_on")} % 6 = 0
    UNION
    SELECT t.team_id, t.village_code, {TODAY} + 1 + (t.n * 3 + j * 7) % 28
    FROM (SELECT DISTINCT ON (team_id, village_code) team_id, village_code,
                 dense_rank() OVER (PARTITION BY team_id ORDER BY village_code)::int AS n
          FROM demo_plans) t
    CROSS JOIN generate_series(0, 1) j
    WHERE t.n <= 12
    """,
    """
    INSERT INTO planned_visits (team_id, village_code, planned_on, created_by)
    SELECT DISTINCT ON (p.team_id, p.planned_on, p.village_code) p.team_id, p.village_code,
           p.planned_on,
           CASE WHEN o.path LIKE (SELECT s.path FROM organisations s JOIN users u
                                  ON u.org_id = s.id WHERE u.username = 'demo-supervisor') || '%'
                THEN (SELECT id FROM users WHERE username = 'demo-supervisor')
                ELSE (SELECT id FROM users WHERE username = 'demo-admin') END
    FROM demo_plans p JOIN teams t ON t.id = p.team_id JOIN organisations o ON o.id = t.bank_id
    ORDER BY p.team_id, p.planned_on, p.village_code
    """,
    # --- villagers' requests --------------------------------------------------------------
    # Taken on one visit in nine (one in three of the demo grid worker's): on the visits
    # of 2024, so long closed; what is open, and what is overdue, is recent (below), as
    # a bank that follows up its requests would have it.
    f"""
    CREATE TEMP TABLE demo_requests ON COMMIT DROP AS
    SELECT md5('request-visit-' || v.id)::uuid AS id, v.id AS visit_id, v.village_code,
           v.user_id AS created_by, v.bank_path,
           v.started_at + INTERVAL '1 hour' + (r.r % 90) * INTERVAL '1 minute' AS taken_at,
           r.r, 'closed' AS status
    FROM field_visits v
    CROSS JOIN LATERAL (SELECT {h("v.id::text || '-request'")} AS r) r
    WHERE v.county_code LIKE '1505%'
      AND (r.r % 9 = 0
           OR (r.r % 3 = 0 AND v.user_id = (SELECT id FROM users WHERE username = 'demo-grid')))
    """,
    # Recent, taken on the phone without a visit: in the demo grid worker's villages, at
    # the demo keeper's point, by the demo field agent, and by the grid worker of the
    # village for the rest. Statuses go with age: the freshest are still open.
    f"""
    INSERT INTO demo_requests
    SELECT md5('request-recent-' || g)::uuid, NULL, w.village_code, w.user_id, w.bank_path,
           a.taken_at, r.r,
           CASE WHEN a.taken_at > now() - INTERVAL '2 days' THEN 'open'
                ELSE (ARRAY['open', 'open', 'assigned', 'assigned', 'resolved', 'closed',
                            'closed'])[1 + (g / 3) % 7] END
    FROM generate_series(0, {RECENT_REQUESTS - 1}) g
    CROSS JOIN LATERAL (SELECT {h("'request-recent-' || g")} AS r) r
    CROSS JOIN LATERAL (
        SELECT now() - ((g * 7919) % 60) * INTERVAL '1 day'
               - (r.r % 600) * INTERVAL '1 minute' AS taken_at) a
    CROSS JOIN LATERAL (
        SELECT q.village_code, q.user_id, q.bank_path FROM (
            -- the demo grid worker's villages
            SELECT ga.village_code, u.id AS user_id, o.path AS bank_path, 0 AS src,
                   row_number() OVER (ORDER BY ga.village_code) - 1 AS i
            FROM grid_assignments ga JOIN users u ON u.id = ga.user_id
            JOIN organisations o ON o.id = u.org_id
            WHERE u.username = 'demo-grid' AND ga.ends_on IS NULL
            UNION ALL  -- the demo keeper's point
            SELECT p.village_code, u.id, NULL, 1, 0 FROM users u
            JOIN service_points p ON p.id = u.point_id WHERE u.username = 'demo-keeper'
            UNION ALL  -- villages of the demo field agent's bank
            SELECT p.village_code, u.id, o.path, 2, row_number() OVER (ORDER BY p.id) - 1
            FROM users u JOIN organisations o ON o.id = u.org_id
            JOIN service_points p ON p.bank_path LIKE o.path || '%'
            WHERE u.username = 'demo-field' AND p.status = 'active'
        ) q
        WHERE (g < 15 AND q.src = 0 AND q.i = g % 3) OR (g BETWEEN 15 AND 22 AND q.src = 1)
           OR (g BETWEEN 23 AND 30 AND q.src = 2 AND q.i = g * 17 % 40)
        UNION ALL
        SELECT ga.village_code, ga.user_id, o.path FROM (
            SELECT row_number() OVER (ORDER BY md5(village_code)) - 1 AS i, village_code, user_id
            FROM grid_assignments WHERE county_code LIKE '1505%' AND ends_on IS NULL) ga
        JOIN users u ON u.id = ga.user_id JOIN organisations o ON o.id = u.org_id
        WHERE g > 30 AND ga.i = g * 7 % 2093
        LIMIT 1) w
    """,
    # Assigned to the village's grid worker (the Kailu volunteers' to their team, one in
    # four of the Horqin bank's to the demo field agent); resolved a few days on, closed
    # with the villager's feedback after the call back (回访).
    f"""
    INSERT INTO villager_requests (id, village_code, county_code, visit_id, category, text,
        deadline, status, created_by, bank_path, taken_at, received_at, assignee_id,
        resolution, resolved_at, feedback, satisfied, closed_at, body_hash)
    SELECT q.id, q.village_code, left(q.village_code, 6), q.visit_id, q.category,
           {by('q.category', REQUEST_TEXT, 'q.r / 20')},
           q.taken_day + (ARRAY[7, 15, 30])[1 + q.r % 3], q.status, q.created_by,
           q.bank_path, q.taken_at, q.taken_at + INTERVAL '5 minutes',
           CASE WHEN q.status <> 'open' THEN q.assignee END,
           CASE WHEN q.status IN ('resolved', 'closed')
                THEN {by('q.category', RESOLUTION, 'q.r / 7')} END,
           CASE WHEN q.status IN ('resolved', 'closed') THEN q.resolved_at END,
           CASE WHEN q.status = 'closed' THEN
                CASE WHEN q.r % 10 = 0 THEN {pick(FEEDBACK_POOR, 'q.r / 10')}
                     ELSE {pick(FEEDBACK_GOOD, 'q.r / 10')} END END,
           CASE WHEN q.status = 'closed' THEN q.r % 10 <> 0 END,
           CASE WHEN q.status = 'closed'
                THEN q.resolved_at + (now() - q.resolved_at) * (0.2 + (q.r % 5) * 0.1) END,
           md5('request-' || q.id) || md5('request-body-' || q.id)
    FROM (
        SELECT d.*, (ARRAY[{", ".join(f"'{c}'" for c in CATEGORY_BY_20)}])[1 + d.r % 20]
                        AS category,
               (d.taken_at AT TIME ZONE 'Asia/Shanghai')::date AS taken_day,
               least(d.taken_at + (2 + d.r % 12) * INTERVAL '1 day',
                     d.taken_at + (now() - d.taken_at) * 0.6) AS resolved_at,
               CASE WHEN c.role = 'field_agent' THEN c.id
                    WHEN d.village_code LIKE '{HORQIN}%' AND d.r % 4 = 0
                    THEN (SELECT id FROM users WHERE username = 'demo-field')
                    ELSE coalesce(ga.user_id, c.id) END AS assignee
        FROM demo_requests d
        JOIN users c ON c.id = d.created_by
        LEFT JOIN grid_assignments ga ON ga.village_code = d.village_code
                                     AND ga.ends_on IS NULL
    ) q
    ORDER BY q.taken_at, q.id
    """,
    # --- trainings ----------------------------------------------------------------------
    # Each rural bank trains its grid workers once a quarter; each comes to one session
    # in four, a tenth never, a fifth not since more than a year ago.
    f"""
    INSERT INTO trainings (topic, held_on, bank_id, created_by)
    SELECT {pick(TOPICS, 's + h.id')}, {TODAY} - 20 - 91 * s - h.id % 17, h.id,
           CASE WHEN h.region_code LIKE '{HORQIN}%'
                THEN (SELECT id FROM users WHERE username = 'demo-supervisor')
                ELSE (SELECT id FROM users WHERE username = 'demo-admin') END
    FROM organisations h CROSS JOIN generate_series(0, {TRAINING_SESSIONS - 1}) s
    WHERE h.kind = 'bank_head_office' AND h.region_code LIKE '1505%'
    ORDER BY h.id, s DESC
    """,
    f"""
    INSERT INTO training_attendees (training_id, user_id)
    SELECT t.id, u.id FROM trainings t
    JOIN organisations o ON o.parent_id = t.bank_id
    JOIN users u ON u.org_id = o.id AND u.role = 'grid_worker'
    CROSS JOIN LATERAL (SELECT {h("'training-' || u.id")} AS r) r
    WHERE r.r % 10 <> 0
      AND (r.r + ({TODAY} - t.held_on) / 91) % 4 = 0
      AND (r.r % 10 > 2 OR t.held_on < {TODAY} - 400)
    UNION
    SELECT t.id, u.id FROM trainings t
    JOIN users u ON u.username = 'demo-keeper'
    JOIN service_points p ON p.id = u.point_id
    JOIN organisations h ON h.id = t.bank_id AND p.bank_path LIKE h.path || '%'
    WHERE (({TODAY} - t.held_on) / 91) % 2 = 1
    """,
]

COUNTED = ("teams", "team_members", "planned_visits", "villager_requests", "inspections",
           "inspection_findings", "trainings", "training_attendees")


def load_fieldwork(report) -> dict:
    """Generate the demo field work in one transaction; returns the row counts."""
    started = time.perf_counter()
    for statement in STATEMENTS:
        db.session.execute(text(statement))
    db.session.commit()
    counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
              for t in COUNTED}
    report("field work", sum(counts.values()), time.perf_counter() - started)
    for table in COUNTED:
        db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()
    return counts
