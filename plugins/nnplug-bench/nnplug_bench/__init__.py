"""``nnplug bench``: benchmark suites comparing engines, loaders, inference runtimes and checks.

The method (:mod:`nnplug_bench.runner`): warm-up rounds, then N measured rounds in which every
configuration of a suite runs once, in an order rotated per round so that machine noise hits
them all alike; ratios to the baseline are computed pair by pair within a round, then
summarized (median, min–max). Peak memory is measured per configuration in a separate process
(:mod:`nnplug_bench.memory`). Results are data (:mod:`nnplug_bench.results`) that the terminal
table, the CSV/JSON files and the plots all read.
"""
