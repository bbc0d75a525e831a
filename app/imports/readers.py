"""Reading import files into numbered rows: CSV, GeoJSON and GeoPackage.

Readers only take the file apart; every judgement about a value is the row schema's,
so a bad row is reported with its number and reason instead of failing the read.
A file that cannot be read at all (not UTF-8 or GB18030, not JSON, not a GeoPackage,
a required column missing) raises ImportFileError.
"""
import csv
import io
import json
import sqlite3
import struct
import tempfile
from dataclasses import dataclass

import shapely

FORMATS = ("csv", "geojson", "gpkg")
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".geojson": "geojson", ".json": "geojson",
              ".gpkg": "gpkg"}
# What a row is called in messages: CSV rows are physical lines, features are counted.
UNIT = {"csv": ("行", "line"), "geojson": ("要素", "feature"), "gpkg": ("要素", "feature")}
# Column names as banks' spreadsheets write them.
ALIASES = {
    "服务点名称": "name", "名称": "name", "商户名称": "shop_name", "店铺名称": "shop_name",
    "营业执照号": "licence_no", "统一社会信用代码": "licence_no", "license_no": "licence_no",
    "负责人": "keeper_name", "负责人姓名": "keeper_name", "联系电话": "keeper_phone",
    "负责人电话": "keeper_phone", "地址": "address", "村代码": "village_code",
    "行政村代码": "village_code", "经度": "lon", "纬度": "lat", "lng": "lon", "longitude": "lon",
    "latitude": "lat", "服务种类": "services", "业务种类": "services", "状态": "status",
    "标识牌": "signage", "开办日期": "opened_on", "商户代码": "merchant_code",
    "终端代码": "terminal_code",
}
# GeoPackage coordinate systems that are WGS-84 longitude/latitude for our purpose:
# EPSG:4326, EPSG:4490 (CGCS2000, within centimetres of WGS-84) and "undefined geographic".
GEOGRAPHIC_SRS = {("EPSG", 4326), ("EPSG", 4490)}


class ImportFileError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class RawRow:
    number: int  # CSV: physical line of the row; GeoJSON and GeoPackage: feature number
    values: dict


def detect_format(file_name: str) -> str | None:
    name = (file_name or "").lower()
    return next((fmt for ext, fmt in EXTENSIONS.items() if name.endswith(ext)), None)


def read(data: bytes, fmt: str) -> list[RawRow]:
    if fmt == "csv":
        return read_csv(data)
    if fmt == "geojson":
        return read_geojson(data)
    if fmt == "gpkg":
        return read_gpkg(data)
    raise ImportFileError(f"不支持的格式 Unsupported format {fmt!r}; expected one of {FORMATS}")


def _column(name) -> str:
    key = str(name or "").strip().lstrip("\ufeff")
    return ALIASES.get(key, key.lower())


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, which Chinese Excel saves by default."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("文件编码无法识别 File is neither UTF-8 nor GB18030 text")


def read_csv(data: bytes) -> list[RawRow]:
    text = _decode(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [_column(h) for h in next(reader)]
    except StopIteration:
        raise ImportFileError("文件为空 The file is empty") from None
    except csv.Error as exc:
        raise ImportFileError(f"CSV 无法解析 Unreadable CSV: {exc}") from None
    rows = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # blank lines (often at the end of a spreadsheet export)
            values = dict(zip(header, record))
            if len(record) > len(header):
                values["__extra__"] = len(record) - len(header)
            rows.append(RawRow(reader.line_num, values))
    except csv.Error as exc:
        raise ImportFileError(f"CSV 第{reader.line_num}行无法解析 line {reader.line_num}: {exc}") from None
    return rows


def _point_values(geometry) -> dict:
    """lon/lat from a Point geometry, or a reason for the row schema to report."""
    if geometry is None or getattr(geometry, "is_empty", False):
        return {}
    if geometry.geom_type != "Point":
        return {"__geometry__": f"应为点 Must be a Point, got {geometry.geom_type}"}
    return {"lon": geometry.x, "lat": geometry.y}


def read_geojson(data: bytes) -> list[RawRow]:
    try:
        doc = json.loads(_decode(data))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImportFileError(f"GeoJSON 无法解析 Unreadable JSON: {exc}") from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
        doc.get("features"), list
    ):
        raise ImportFileError("应为 GeoJSON FeatureCollection Expected a GeoJSON FeatureCollection")
    rows = []
    for number, feature in enumerate(doc["features"], start=1):
        if not isinstance(feature, dict):
            rows.append(RawRow(number, {"__geometry__": "不是要素 Not a GeoJSON Feature"}))
            continue
        props = feature.get("properties") or {}
        values = {_column(k): v for k, v in props.items()} if isinstance(props, dict) else {}
        raw_geometry = feature.get("geometry")
        if raw_geometry is not None:
            try:
                values.update(_point_values(shapely.geometry.shape(raw_geometry)))
            except (KeyError, IndexError, TypeError, ValueError, AttributeError,
                    shapely.errors.GEOSException):
                values["__geometry__"] = "几何无法解析 Unreadable geometry"
        rows.append(RawRow(number, values))
    return rows


def _gpkg_geometry(blob):
    """GeoPackage binary: 'GP', version, flags, srs_id, optional envelope, then WKB."""
    if blob is None:
        return None
    if len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError("bad envelope indicator")
    if flags & 0b10000:  # empty geometry flag
        return None
    return shapely.from_wkb(bytes(blob[8 + envelope:]))


def read_gpkg(data: bytes) -> list[RawRow]:
    if not data.startswith(b"SQLite format 3\x00"):
        raise ImportFileError("不是 GeoPackage 文件 Not a GeoPackage (SQLite) file")
    with tempfile.NamedTemporaryFile(suffix=".gpkg") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            conn = sqlite3.connect(f"file:{tmp.name}?mode=ro", uri=True)
            try:
                return _gpkg_rows(conn)
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise ImportFileError(f"GeoPackage 无法读取 Unreadable GeoPackage: {exc}") from None


def _gpkg_rows(conn) -> list[RawRow]:
    layer = conn.execute(
        "select c.table_name, g.column_name, g.srs_id, s.organization, "
        "s.organization_coordsys_id from gpkg_contents c "
        "join gpkg_geometry_columns g on g.table_name = c.table_name "
        "left join gpkg_spatial_ref_sys s on s.srs_id = g.srs_id "
        "where c.data_type = 'features' order by c.table_name limit 1"
    ).fetchone()
    if layer is None:
        raise ImportFileError("GeoPackage 中没有要素图层 No feature layer in the GeoPackage")
    table, geom_column, srs_id, org, org_id = layer
    if srs_id != 0 and ((org or "").upper(), org_id) not in GEOGRAPHIC_SRS:
        raise ImportFileError(
            f"坐标系不支持 Unsupported coordinate system {org}:{org_id} (srs_id {srs_id}); "
            "export the layer in EPSG:4326 longitude/latitude"
        )
    cursor = conn.execute(f'select * from "{table.replace(chr(34), chr(34) * 2)}" order by rowid')
    names = [d[0] for d in cursor.description]
    rows = []
    for number, record in enumerate(cursor, start=1):
        values = {}
        for name, value in zip(names, record):
            if name == geom_column:
                try:
                    values.update(_point_values(_gpkg_geometry(value)))
                except (ValueError, struct.error, shapely.errors.GEOSException):
                    values["__geometry__"] = "几何无法解析 Unreadable geometry"
            elif name.lower() != "fid":
                values[_column(name)] = value
        rows.append(RawRow(number, values))
    return rows
