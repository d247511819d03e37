"""The backend-agnostic layers: filter, partitioner, clone, shuffler, minibatches, one-hot, table."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.datasets.clone import clone_indices
from nnplug.datasets.index_filter import IndexFilter, parse_index_filter
from nnplug.datasets.minibatches import check_minibatch_size, cut_minibatches
from nnplug.datasets.one_hot import one_hot
from nnplug.datasets.partitioner import StratifiedPartitioner, check_partitions, split_counts
from nnplug.datasets.shuffler import EpochShuffler
from nnplug.datasets.summary import partition_table

DEFAULT = {"training": 0.7, "dev": 0.15, "test": 0.15}


def test_index_filter_keeps_listed_positions_and_ranges() -> None:
    assert IndexFilter("all").apply(list("abcdefghij")) == list("abcdefghij")
    assert IndexFilter("1,3,5-8").apply(list("abcdefghij")) == list("bdfghi")
    assert parse_index_filter(" 2 - 3 , 0") == [(2, 3), (0, 0)]


@pytest.mark.parametrize("spec", ["x", "1,,2", "3-", "-2", "5-3", "1.5"])
def test_index_filter_refuses_bad_text(spec: str) -> None:
    with pytest.raises(NnplugError, match="--filter-dataset"):
        IndexFilter(spec)


def test_index_filter_out_of_range_names_the_size() -> None:
    with pytest.raises(NnplugError, match=r"index 10 is out of range: the dataset has 10 samples \(0..9\)"):
        IndexFilter("2,8-10").apply(list(range(10)))


def test_partitions_are_stratified_disjoint_and_seeded() -> None:
    labels = np.repeat([0, 1, 2], [20, 40, 30])
    partitioner = StratifiedPartitioner(DEFAULT)
    parts = partitioner.split(labels, seed=3)
    together = np.concatenate(list(parts.values()))
    assert sorted(together.tolist()) == list(range(len(labels)))
    for label, total in ((0, 20), (1, 40), (2, 30)):
        counts = {name: int((labels[ids] == label).sum()) for name, ids in parts.items()}
        assert counts == split_counts(total, DEFAULT)
    again = partitioner.split(labels, seed=3)
    assert all(np.array_equal(parts[n], again[n]) for n in parts)
    other = partitioner.split(labels, seed=4)
    assert not np.array_equal(parts["dev"], other["dev"])


def test_split_counts_sum_to_the_total() -> None:
    assert split_counts(30, DEFAULT) == {"training": 21, "dev": 5, "test": 4}
    assert sum(split_counts(7, DEFAULT).values()) == 7
    assert split_counts(10, {"training": 1.0}) == {"training": 10}


@pytest.mark.parametrize(
    "shares, message",
    [
        ({"training": 0.7, "dev": 0.4}, "sum to 1"),
        ({"training": 1.2, "dev": -0.2}, "positive"),
        ({"training": 1.0, "dev": 0}, "positive"),
        ({"training": 0.5, "valid": 0.5}, "unknown partition"),
        ({"dev": 1.0}, "include training"),
        ({"training": "1"}, "positive number"),
    ],
)
def test_bad_partitions_are_refused(shares: dict, message: str) -> None:
    with pytest.raises(NnplugError, match=message):
        check_partitions(shares)


def test_clone_repeats_each_index() -> None:
    assert clone_indices(np.array([4, 7]), 3).tolist() == [4, 4, 4, 7, 7, 7]
    with pytest.raises(NnplugError, match="--nbr-clones"):
        clone_indices(np.array([1]), 0)


def test_shuffler_is_seeded_per_epoch() -> None:
    indices = np.arange(50)
    shuffler = EpochShuffler(seed=1)
    first = shuffler.order(indices, 1)
    assert sorted(first.tolist()) == indices.tolist()
    assert np.array_equal(first, EpochShuffler(1).order(indices, 1))
    assert not np.array_equal(first, shuffler.order(indices, 2))


def test_minibatches_cut_with_a_smaller_last_one() -> None:
    assert [c.tolist() for c in cut_minibatches(np.arange(7), 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    with pytest.raises(NnplugError, match="--max-minibatch-size"):
        check_minibatch_size(0)


def test_one_hot() -> None:
    assert one_hot(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]


def test_partition_table_has_totals() -> None:
    table = partition_table(["a", "bb"], {"training": np.array([3, 4]), "dev": np.array([1, 1]), "test": np.array([0, 1])})
    lines = table.splitlines()
    assert lines[0].split() == ["label", "training", "dev", "test", "total"]
    assert lines[1].split() == ["a", "3", "1", "0", "4"]
    assert lines[-1].split() == ["total", "7", "2", "1", "10"]
