"""The benchmark suites: engines, loaders, inference, checks (see :mod:`nnplug_bench.catalog`)."""
