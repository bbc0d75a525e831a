"""Generate the demo registry: places, banks, service points, terminals and people.

One pass over the counties writes every table's rows to COPY spools (see bulk.py).
Each county draws from its own random streams seeded by (seed, county code), so the
data is the same on every run and does not shift when other counties are added.
"""
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import shapely

from app.core.fields import luhn_valid
from app.demo import geometry, names, places
from app.demo.bulk import Spool, TABLES, next_id
from app.models import Organisation

SEED = 20240515
TODAY = date(2025, 6, 30)  # fixed, so status dates do not depend on the day of loading

# Tongliao's 2,093 administrative villages (行政村/嘎查村) over its eight county-level units.
TONGLIAO_VILLAGES = {
    "150502": 240, "150521": 510, "150522": 260, "150523": 240,
    "150524": 187, "150525": 370, "150526": 250, "150581": 36,
}
DEMO_USERNAMES = ("demo-keeper", "demo-grid", "demo-field", "demo-supervisor",
                  "demo-regulator", "demo-admin")
VILLAGES_PER_TOWNSHIP = 14


@dataclass
class Scale:
    name: str
    counties: list  # places.Place, county level
    villages: list[int]  # per county
    points: list[int]
    grid_workers: list[int]
    radius: float  # county area radius, degrees of latitude
    home: str  # county code where the demo accounts work

    @property
    def totals(self):
        return sum(self.villages), sum(self.points), sum(self.grid_workers)


def apportion(total: int, weights, floor: int = 0) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), each at least `floor`."""
    weights = np.asarray(weights, dtype=float)
    rest = total - floor * len(weights)
    exact = rest * weights / weights.sum()
    shares = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - shares), kind="stable")[: rest - int(shares.sum())]:
        shares[i] += 1
    return (shares + floor).tolist()


def tongliao_scale() -> Scale:
    counties = places.counties(places.TONGLIAO[:4])
    assert [c.code[:6] for c in counties] == list(places.TONGLIAO_COUNTIES)
    villages = [TONGLIAO_VILLAGES[c.code[:6]] for c in counties]
    return Scale("tongliao", counties, villages, apportion(1539, villages),
                 apportion(1950, villages), radius=0.5, home="150502")


def national_scale(villages=522_000, points=864_900) -> Scale:
    """Every county-level unit with a seat; urban districts have fewer villages."""
    counties = places.counties()
    weights = [0.35 if c.name.endswith("区") else 0.9 if c.name.endswith("市") else 1.0
               for c in counties]
    per_county = apportion(villages, weights, floor=1)
    workers = [max(1, round(v * 1950 / 2093)) for v in per_county]
    return Scale("national", counties, per_county, apportion(points, per_county),
                 workers, radius=0.4, home="150502")


@dataclass
class Ids:
    org: int
    point: int
    terminal: int
    user: int
    assignment: int


@dataclass
class Built:
    spools: dict
    counts: dict = field(default_factory=dict)


class DemoBuilder:
    """Writes one scale's rows to spools; `build()` returns them ready for COPY."""

    def __init__(self, scale: Scale, demo_password_hash: str, seed: int = SEED):
        self.scale = scale
        self.seed = seed
        self.demo_hash = demo_password_hash
        self.spools = {table: Spool(table) for table in TABLES}
        self.ids = Ids(*(next_id(t) for t in (
            "organisations", "service_points", "terminals", "users", "grid_assignments")))
        self.org_paths = {}
        self.province_branches = {}  # (bank, province code) -> org id
        self.population = {}  # province/city code -> population
        self.demo = {}  # demo username -> (role, org_id, point_id, county_code)

    # organisations -------------------------------------------------------------
    def org(self, kind, name, short_name=None, parent=None, region=None) -> int:
        oid = self.ids.org
        self.ids.org += 1
        path = Organisation.path_below(self.org_paths[parent] if parent else None, oid)
        self.org_paths[oid] = path
        self.spools["organisations"].add(oid, kind, name, short_name, parent, path, region)
        return oid

    def national_banks(self):
        self.psbc = self.org("bank_head_office", "中国邮政储蓄银行", "邮储银行")
        self.abc = self.org("bank_head_office", "中国农业银行", "农业银行")

    def province_branch(self, bank, province):
        key = (bank, province.code)
        if key not in self.province_branches:
            full = "中国邮政储蓄银行" if bank == self.psbc else "中国农业银行"
            self.province_branches[key] = self.org(
                "bank_branch", f"{full}{province.name}分行", None, bank, province.code)
        return self.province_branches[key]

    def regulators(self, provinces, cities):
        for p in provinces:
            if self.scale.name == "national":
                self.org("regulator", f"中国人民银行{p.name}分行", "人民银行", None, p.code)
        tongliao = places.TONGLIAO + "000000"
        if tongliao in cities:
            self.demo["demo-regulator"] = (
                "regulator",
                self.org("regulator", "中国人民银行通辽市分行", "人民银行通辽市分行", None, tongliao),
                None, None)

    # places ------------------------------------------------------------------------
    def upper_regions(self):
        """Provinces and cities of the scale's counties (populations filled at the end)."""
        provinces, cities = {}, {}
        for c in self.scale.counties:
            provinces.setdefault(places.province_of(c).code, places.province_of(c))
            city = places.parent_city(c)
            cities.setdefault(city.code, city)
        return provinces, cities

    def write_upper_regions(self, provinces, cities):
        regions = self.spools["regions"]
        for p in provinces.values():
            regions.add(p.code, p.code[:2], p.name, "province", None, None, None,
                        _point(p.lon, p.lat), self.population.get(p.code[:2]), None)
        for c in cities.values():
            regions.add(c.code, c.code[:4], c.name, "city", c.code[:2] + "0" * 10, None, None,
                        _point(c.lon, c.lat), self.population.get(c.code[:4]), None)

    # the pass ------------------------------------------------------------------------
    def build(self) -> Built:
        scale = self.scale
        provinces, cities = self.upper_regions()
        self.national_banks()
        self.regulators(provinces.values(), cities)
        areas = geometry.county_areas([(c.lon, c.lat) for c in scale.counties], scale.radius)
        for i, county in enumerate(scale.counties):
            self.county(county, areas[i], scale.villages[i], scale.points[i],
                        scale.grid_workers[i])
        self.write_upper_regions(provinces, cities)
        self.demo_accounts()
        return Built(self.spools, counts={t: s.count for t, s in self.spools.items()})

    def county(self, county, area, n_villages, n_points, n_workers):
        code6 = county.code[:6]
        gen = np.random.default_rng([self.seed, int(code6)])
        rng = random.Random(f"{self.seed}-{code6}")
        mongolian = 0.45 if code6.startswith("15") else 0.0
        n_towns = max(1, min(n_villages, round(n_villages / VILLAGES_PER_TOWNSHIP)))
        towns, owner, seeds, cells = geometry.villages(
            gen, area, (county.lon, county.lat), n_villages, n_towns)
        n_towns = len(towns)

        # Villages: Voronoi cells, population around 1,300 people (lognormal).
        population = np.maximum(80, gen.lognormal(math.log(1300), 0.45, n_villages)).astype(int)
        households = (population / gen.uniform(2.6, 3.2, n_villages)).astype(int)
        town_codes = [f"{code6}{t + 1:03d}" for t in range(n_towns)]
        used = {_seat_town(county.name, rng)}
        town_names = [next(iter(used))] + [
            names.unique(lambda: names.township(rng, mongolian), used) for _ in range(n_towns - 1)
        ]
        village_codes, village_names = [], []
        serial, used_in = [0] * n_towns, [set() for _ in range(n_towns)]
        for t in owner.tolist():
            serial[t] += 1
            village_codes.append(f"{town_codes[t]}{serial[t]:03d}")
            village_names.append(names.unique(lambda: names.village(rng, mongolian), used_in[t]))
        multi = geometry.multipolygons(cells)
        cell_wkb = geometry.ewkb(multi)
        centre_wkb = geometry.ewkb(shapely.centroid(cells))
        regions = self.spools["regions"]
        for j in range(n_villages):
            regions.add(village_codes[j], village_codes[j], village_names[j], "village",
                        village_codes[j][:9] + "000", code6, cell_wkb[j], centre_wkb[j],
                        int(population[j]), int(households[j]))
        town_population = np.bincount(owner, weights=population, minlength=n_towns)
        town_households = np.bincount(owner, weights=households, minlength=n_towns)
        for t in range(n_towns):
            outline = _union(cells[owner == t])
            regions.add(town_codes[t] + "000", town_codes[t], town_names[t], "township",
                        code6 + "000000", code6, geometry.ewkb([outline])[0],
                        _point(*towns[t]), int(town_population[t]), int(town_households[t]))
        county_population = int(population.sum())
        regions.add(county.code, code6, county.name, "county", places.parent_city(county).code,
                    code6, geometry.ewkb(geometry.multipolygons([area]))[0],
                    _point(county.lon, county.lat), county_population, int(households.sum()))
        for prefix in (code6[:2], code6[:4]):
            self.population[prefix] = self.population.get(prefix, 0) + county_population

        # Banks: a rural commercial bank per county (head office > county branch >
        # township outlets), and county branches of the two national banks.
        province = places.province_of(county)
        short = places.short_county(county.name)
        rcb = self.org("bank_head_office",
                       f"{places.short_province(province.name)}{short}农村商业银行",
                       f"{short}农商银行", None, county.code)
        rcb_branch = self.org("bank_branch", f"{short}农商银行营业部", f"{short}农商银行营业部",
                              rcb, county.code)
        outlets = [self.org("bank_outlet", f"{short}农商银行{town_names[t]}支行", None, rcb_branch,
                            town_codes[t] + "000") for t in range(n_towns)]
        psbc = self.org("bank_branch", f"中国邮政储蓄银行{county.name}支行", f"邮储银行{short}支行",
                        self.province_branch(self.psbc, province), county.code)
        abc = self.org("bank_branch", f"中国农业银行{county.name}支行", f"农业银行{short}支行",
                       self.province_branch(self.abc, province), county.code)
        if code6 == self.scale.home:
            self.demo["demo-supervisor"] = ("supervisor", rcb, None, None)
            self.demo["demo-field"] = ("field_agent", rcb_branch, None, code6)

        # Service points: in the more populous villages first, one per village until
        # every village has one, then more in the largest.
        weights = population / population.sum()
        if n_points <= n_villages:
            hosts = np.sort(gen.choice(n_villages, n_points, replace=False, p=weights))
        else:
            extra = gen.choice(n_villages, n_points - n_villages, replace=True, p=weights)
            hosts = np.sort(np.concatenate([np.arange(n_villages), extra]))
        xs, ys = geometry.places_in(gen, cells[hosts], seeds[hosts], spread=0.002)
        locations = geometry.ewkb(shapely.points(xs, ys))
        nth = {}
        for k, v in enumerate(hosts.tolist()):
            nth[v] = nth.get(v, 0) + 1
            draw = rng.random()
            owner_org = outlets[owner[v]] if draw < 0.65 else psbc if draw < 0.85 else abc
            point_id = self.point(rng, county, short, town_names[owner[v]], village_codes[v],
                                  village_names[v], nth[v], owner_org, locations[k])
            if code6 == self.scale.home and "demo-keeper" not in self.demo and draw < 0.65:
                self.demo["demo-keeper"] = ("keeper", None, point_id, code6)

        # Grid workers: every village exactly one, a few workers two villages.
        self.grid_workers(rng, code6, rcb_branch, village_codes, n_workers)

    def point(self, rng, county, short, town_name, village_code, village_name, nth, bank_id,
              location) -> int:
        pid = self.ids.point
        self.ids.point += 1
        keeper = names.person(rng)
        opened = date(2012, 1, 1) + timedelta(days=rng.randrange(12 * 365))
        draw = rng.random()
        status, since, reason, closed = "active", opened, None, None
        if draw < 0.05:
            status, since = "suspended", TODAY - timedelta(days=rng.randrange(5, 200))
            reason = rng.choice(("机具故障待维修 Terminal awaiting repair",
                                 "负责人外出务工 Keeper away for seasonal work",
                                 "巡检发现问题待整改 Inspection findings being fixed"))
        elif draw < 0.07:
            status = "closed"
            since = closed = TODAY - timedelta(days=rng.randrange(30, 900))
            reason = rng.choice(("商户停业 Shop closed", "合并至邻村服务点 Merged into a nearby point"))
        services = ["withdrawal", "balance_inquiry"]
        for service, share in (("transfer", 0.85), ("cash_remittance", 0.35),
                               ("bill_payment", 0.6)):
            if rng.random() < share:
                services.append(service)
        suffix = "" if nth == 1 else f"（{nth}）"
        self.spools["service_points"].add(
            # "P" keeps the village code and the number apart: joined, 14 digits could
            # pass for a card number.
            pid, bank_id, self.org_paths[bank_id], f"{village_code}-P{nth:02d}",
            f"{village_name}助农取款服务点{suffix}", names.shop(rng, village_name, keeper),
            names.licence(rng, county.code[:6]), keeper, names.mobile(rng),
            names.address(rng, county.name, town_name, village_name), village_code,
            county.code[:6], location, services, status, since, reason, opened, closed,
            rng.random() < 0.92,
        )
        for extra in range(2 if rng.random() < 0.06 else 1):
            self.terminal(rng, pid, county.code[:6], opened, closed, extra)
        return pid

    def terminal(self, rng, point_id, code6, installed, removed, extra):
        tid = self.ids.terminal
        self.ids.terminal += 1
        acquirer = rng.choice(("402", "403", "103"))
        kind = "smart_pos" if extra else rng.choice(("pos", "pos", "smart_pos", "mobile"))
        # Neither code may look like a card number (a Luhn-valid run of 13-19 digits), or
        # the API would refuse them back and a scan of a dump for card numbers would
        # find the demo's own codes: the merchant code's last digit is moved off the
        # Luhn check digit, and the serial's letters split its digits.
        merchant = f"{acquirer}{code6[:4]}6011{tid % 10000:04d}"
        if luhn_valid(merchant):
            merchant = merchant[:-1] + str((int(merchant[-1]) + 1) % 10)
        self.spools["terminals"].add(
            tid, point_id, code6, merchant, f"{tid:08d}",
            f"SN{code6}T{tid:09d}", kind, installed, removed)

    def grid_workers(self, rng, code6, org_id, village_codes, n_workers):
        sizes = apportion(len(village_codes), [1] * n_workers, floor=1)
        demo = code6 == self.scale.home and "demo-grid" not in self.demo
        if demo and n_workers > 1:  # the demo grid worker looks after three villages
            sizes = [3] + apportion(len(village_codes) - 3, [1] * (n_workers - 1), floor=1)
        users, assignments = self.spools["users"], self.spools["grid_assignments"]
        start = 0
        for k, size in enumerate(sizes):
            uid = self.ids.user
            self.ids.user += 1
            person = names.person(rng)
            if demo and k == 0:
                username, password = "demo-grid", self.demo_hash
                self.demo["demo-grid"] = ("grid_worker", org_id, None, code6)
            else:
                username, password = f"gw{code6}{k + 1:04d}", None
            users.add(uid, username, password, f"{person}（网格员）", names.mobile(rng),
                      "grid_worker", org_id, None, code6, True)
            for village in village_codes[start:start + size]:
                assignments.add(self.ids.assignment, uid, village, code6,
                                date(2024, 1, 1) + timedelta(days=rng.randrange(300)))
                self.ids.assignment += 1
            start += size

    def demo_accounts(self):
        self.demo["demo-admin"] = ("admin", None, None, None)
        labels = {"keeper": "演示负责人", "field_agent": "演示队员", "supervisor": "演示管理员",
                  "regulator": "演示人民银行", "admin": "演示系统管理员"}
        for username in DEMO_USERNAMES:
            if username == "demo-grid" or username not in self.demo:
                continue
            role, org_id, point_id, code6 = self.demo[username]
            self.spools["users"].add(self.ids.user, username, self.demo_hash, labels[role],
                                     "13800000000", role, org_id, point_id, code6, True)
            self.ids.user += 1


def _point(lon, lat):
    return geometry.ewkb([shapely.Point(lon, lat)])[0] if lon is not None else None


def _union(cells):
    try:
        merged = shapely.coverage_union_all(cells)
    except shapely.errors.GEOSException:
        merged = shapely.union_all(cells)
    if merged.geom_type == "Polygon":
        return shapely.MultiPolygon([merged])
    if merged.geom_type == "MultiPolygon":
        return merged
    return shapely.MultiPolygon([g for g in shapely.get_parts(merged) if g.geom_type == "Polygon"])


def _seat_town(county_name, rng):
    """The county seat's own town (城关镇 style), the first township of the county."""
    return rng.choice(("城关镇", "城区街道", f"{places.short_county(county_name)}镇"))
