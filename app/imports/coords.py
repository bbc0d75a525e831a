"""Declared coordinate systems of imported files, converted to WGS-84 on the way in.

Phone GPS and most GIS files are WGS-84; coordinates copied from Amap or Tencent maps
are GCJ-02, from Baidu maps BD-09. The registry stores WGS-84 only.

Only the forward transforms (WGS-84 -> GCJ-02 -> BD-09) are defined; the usual one-step
inverse (subtract the offset computed at the wrong point) is off by metres. The inverse
here solves forward(x) = target by fixed-point iteration (the offset changes slowly, so
each step gains several digits) until the forward transform of the answer is within
RESIDUAL_DEG of the input: about 0.1 mm.
"""
from coordTransform import gcj02_to_bd09, wgs84_to_gcj02

CRS_NAMES = {"wgs84": "WGS-84", "gcj02": "GCJ-02 (高德/腾讯 Amap/Tencent)", "bd09": "BD-09 (百度 Baidu)"}
RESIDUAL_DEG = 1e-9  # 1e-9 degree is about 0.1 mm on the ground
MAX_STEPS = 50


def _invert(forward, lon: float, lat: float) -> tuple[float, float]:
    x, y = lon, lat
    for _ in range(MAX_STEPS):
        fx, fy = forward(x, y)
        dx, dy = fx - lon, fy - lat
        if abs(dx) < RESIDUAL_DEG and abs(dy) < RESIDUAL_DEG:
            return x, y
        x, y = x - dx, y - dy
    raise ValueError(f"coordinate {lon}, {lat} did not converge")


def gcj02_to_wgs84_exact(lon: float, lat: float) -> tuple[float, float]:
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_wgs84_exact(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84_exact(*_invert(gcj02_to_bd09, lon, lat))


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """Convert one coordinate pair from the declared system to WGS-84."""
    if crs == "wgs84":
        return lon, lat
    if crs == "gcj02":
        out = gcj02_to_wgs84_exact(lon, lat)
    elif crs == "bd09":
        out = bd09_to_wgs84_exact(lon, lat)
    else:
        raise ValueError(f"unknown coordinate system {crs!r}")
    return float(out[0]), float(out[1])
