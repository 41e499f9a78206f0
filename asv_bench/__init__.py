"""airspeed velocity benchmarks for cargobay (see asv_bench/README.md)."""
