"""Demo data: Tongliao at its real size, or the national size for benchmarks."""
