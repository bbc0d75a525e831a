"""Grid-worker assignments: one active grid worker (网格员) per village."""
