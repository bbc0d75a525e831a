"""The full recomputation of village coverage, on every core.

The triggers of migration 0006 keep village_coverage current change by change; a full
pass is for after a bulk repair, a change of the rule (a migration), or a restore. One
statement runs on one core, and PostgreSQL does not parallelise INSERT ... SELECT, so
the villages are cut into contiguous slices of codes (whole counties, whose points lie
near each other on disk) that `jobs` connections take in turn.

Each slice is its own transaction and holds the coverage lock in shared mode: slices
run side by side, while a registry change (which takes it exclusively, coverage_lock)
waits for the slice in progress, or the slice for it; either way a village is computed
from committed points, and the writer's trigger recomputes the villages it touched.
"""
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

SLICES_PER_JOB = 16


def refresh_all(engine, jobs=2):
    """Recompute every village over `jobs` connections; (villages, rows changed,
    seconds)."""
    started = time.perf_counter()
    with engine.connect() as conn:
        codes = conn.execute(text(
            "select code from regions where level = 'village' order by code")).scalars().all()
    count = max(1, min(len(codes), jobs * SLICES_PER_JOB))
    size = -(-len(codes) // count)
    slices = [codes[i:i + size] for i in range(0, len(codes), size)]

    def run(part):
        with engine.begin() as conn:
            conn.execute(text("select pg_advisory_xact_lock_shared(hashtext('village_coverage'))"))
            return conn.execute(text("select coverage_refresh(:codes)"), {"codes": part}).scalar()

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        changed = sum(pool.map(run, slices))
    return len(codes), changed, time.perf_counter() - started
