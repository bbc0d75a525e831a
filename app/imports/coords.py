"""Declared coordinate systems of imported files, converted to WGS-84 on the way in.

Phone GPS and most GIS files are WGS-84; coordinates copied from Amap or Tencent maps
are GCJ-02, from Baidu maps BD-09. The registry stores WGS-84 only.
"""
from coordTransform import bd09_to_wgs84, gcj02_to_wgs84

CRS_NAMES = {"wgs84": "WGS-84", "gcj02": "GCJ-02 (高德/腾讯 Amap/Tencent)", "bd09": "BD-09 (百度 Baidu)"}


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """Convert one coordinate pair from the declared system to WGS-84."""
    if crs == "wgs84":
        return lon, lat
    if crs == "gcj02":
        out = gcj02_to_wgs84(lon, lat)
    elif crs == "bd09":
        out = bd09_to_wgs84(lon, lat)
    else:
        raise ValueError(f"unknown coordinate system {crs!r}")
    return float(out[0]), float(out[1])
