"""The benchmark suites: engines, loaders, inference, checks (see :mod:`nnplug.bench.catalog`)."""
