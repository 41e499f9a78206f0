"""Benchmarks run by `cargobay bench`: each module times cargobay against its peers in one run."""
