"""Generated geography around real county seats.

No public package ships village boundaries, so villages are generated: township seats
scatter around the county seat, villages cluster around their township seat (as real
settlements do, rather than uniformly), and each village's polygon is its Voronoi cell
cut to the county's area. Voronoi cells never overlap and each contains its own seed,
so a service point placed at a village's seed is always inside its village.
"""
import math

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Point


def _disc(lon, lat, radius):
    """A circle of `radius` degrees of latitude, widened in longitude so it is round on
    the ground at this latitude."""
    circle = Point(lon, lat).buffer(radius, quad_segs=8)
    return affinity.scale(circle, xfact=1 / math.cos(math.radians(lat)), yfact=1.0)


def county_areas(seats: list[tuple[float, float]], radius: float) -> list:
    """One polygon per seat: its Voronoi cell among all seats, cut to a disc around it.

    Seats sharing coordinates (two districts of one city in the source file) are nudged
    apart first, or the Voronoi diagram would merge them into one cell.
    """
    seen, points = set(), []
    for i, (lon, lat) in enumerate(seats):
        while (round(lon, 5), round(lat, 5)) in seen:
            lon, lat = lon + 0.01 * math.cos(i), lat + 0.01 * math.sin(i)
        seen.add((round(lon, 5), round(lat, 5)))
        points.append((lon, lat))
    if len(points) == 1:
        return [_disc(*points[0], radius)]
    multipoint = MultiPoint(points)
    frame = multipoint.envelope.buffer(radius * 4)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(multipoint, extend_to=frame, ordered=True)
    )
    if len(cells) != len(points):
        raise RuntimeError(f"Voronoi gave {len(cells)} cells for {len(points)} county seats")
    return [cell.intersection(_disc(lon, lat, radius)) for cell, (lon, lat) in zip(cells, points)]


def _sample_inside(gen, area, centres, sigma, count):
    """`count` points near `centres` (one row each, chosen uniformly), kept only when
    inside `area`; returns xs, ys and the index of each point's centre."""
    xs, ys, owners = [], [], []
    have = 0
    while have < count:
        batch = max(64, 2 * (count - have))
        owner = gen.integers(0, len(centres), batch)
        x = centres[owner, 0] + gen.normal(0, sigma, batch) / math.cos(math.radians(centres[0, 1]))
        y = centres[owner, 1] + gen.normal(0, sigma, batch)
        keep = shapely.contains_xy(area, x, y)
        xs.append(x[keep]), ys.append(y[keep]), owners.append(owner[keep])
        have += int(keep.sum())
    return (np.concatenate(xs)[:count], np.concatenate(ys)[:count],
            np.concatenate(owners)[:count])


def villages(gen, area, seat, n_villages: int, n_townships: int):
    """Township seats and village cells for one county.

    Returns (township_xy [n_townships x 2], village township index, village seeds
    [n x 2], village cells as an array of polygons), villages sorted by township.
    """
    reach = math.sqrt(area.area / math.pi)  # radius of a disc of the county's size
    seat_xy = np.array([seat])
    if n_townships > 1:
        tx, ty, _ = _sample_inside(gen, area, seat_xy, 0.45 * reach, n_townships - 1)
        towns = np.vstack([seat_xy, np.column_stack([tx, ty])])
    else:
        towns = seat_xy
    vx, vy, owner = _sample_inside(gen, area, towns, 0.22 * reach, n_villages)
    order = np.argsort(owner, kind="stable")
    vx, vy, owner = vx[order], vy[order], owner[order]
    # Every township needs at least one village; give empty ones the nearest village's
    # neighbour share by reassigning one village each (rare: only tiny counties).
    for t in set(range(len(towns))) - set(owner.tolist()):
        d = (vx - towns[t, 0]) ** 2 + (vy - towns[t, 1]) ** 2
        counts = np.bincount(owner, minlength=len(towns))
        d[counts[owner] <= 1] = np.inf
        owner[int(np.argmin(d))] = t
    order = np.argsort(owner, kind="stable")
    vx, vy, owner = vx[order], vy[order], owner[order]
    seeds = np.column_stack([vx, vy])
    if n_villages == 1:
        cells = np.array([area])
    else:
        diagram = shapely.voronoi_polygons(
            MultiPoint(seeds), extend_to=area.envelope.buffer(reach), ordered=True
        )
        cells = shapely.get_parts(diagram)
        if len(cells) != n_villages:
            raise RuntimeError(f"Voronoi gave {len(cells)} cells for {n_villages} villages")
        cells = shapely.intersection(cells, area)
    return towns, owner, seeds, cells


def places_in(gen, cells, seeds, spread: float):
    """One location per cell near its seed (a shop near the village centre), kept
    inside the cell; falls back to the seed, which is always inside its own cell."""
    x = seeds[:, 0] + gen.normal(0, spread, len(seeds))
    y = seeds[:, 1] + gen.normal(0, spread, len(seeds))
    inside = shapely.contains_xy(cells, x, y)
    x = np.where(inside, x, seeds[:, 0])
    y = np.where(inside, y, seeds[:, 1])
    return x, y


def ewkb(geoms) -> np.ndarray:
    """Hex EWKB with SRID 4326, the text form PostGIS reads in COPY."""
    return shapely.to_wkb(shapely.set_srid(np.asarray(geoms), 4326), hex=True, include_srid=True)


def multipolygons(polys) -> np.ndarray:
    polys = np.asarray(polys)
    return shapely.multipolygons(polys, indices=np.arange(len(polys)))
