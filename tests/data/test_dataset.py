"""The stream of Dataset, through from_arrays: determinism, random access, epochs, shards."""

import itertools

import numpy as np
import pytest

from jaxgen.data import from_arrays
from jaxgen.errors import UserError

NUM_EXAMPLES = 10


def _arrays():
    return {
        "x": np.arange(NUM_EXAMPLES * 2, dtype=np.float32).reshape(NUM_EXAMPLES, 2),
        "id": np.arange(NUM_EXAMPLES),
    }


def _dataset(batch_size=3, seed=0, **kwargs):
    return from_arrays(
        _arrays(), batch_size=batch_size, seed=seed, process_index=0, process_count=1, **kwargs
    )


def _assert_batches_equal(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_stream_is_the_concatenation_of_the_reference_epoch_permutations():
    seed, batch_size, num_batches = 7, 3, 40  # 3 does not divide 10: batches straddle epochs
    dataset = _dataset(batch_size, seed)
    stream = np.concatenate([dataset.batch(p)["id"] for p in range(num_batches)])
    num_epochs = len(stream) // NUM_EXAMPLES
    reference = np.concatenate(
        [np.random.default_rng([seed, e]).permutation(NUM_EXAMPLES) for e in range(num_epochs)]
    )
    np.testing.assert_array_equal(stream[: len(reference)], reference)
    for epoch in stream[: len(reference)].reshape(num_epochs, NUM_EXAMPLES):
        np.testing.assert_array_equal(np.sort(epoch), np.arange(NUM_EXAMPLES))  # once each


def test_rows_match_their_ids():
    batch = _dataset().batch(5)
    np.testing.assert_array_equal(batch["x"], _arrays()["x"][batch["id"]])


def test_every_batch_has_batch_size_rows_even_larger_than_the_data():
    dataset = _dataset(batch_size=25)
    ids = dataset.batch(3)["id"]
    assert ids.shape == (25,)
    assert set(ids) == set(range(NUM_EXAMPLES))


def test_same_seed_same_batches_other_seed_other_batches():
    _assert_batches_equal(_dataset(seed=1).batch(4), _dataset(seed=1).batch(4))
    ids = lambda seed: np.concatenate([_dataset(seed=seed).batch(p)["id"] for p in range(4)])
    assert not np.array_equal(ids(1), ids(2))


def test_random_access_equals_iteration():
    dataset = _dataset()
    for position, batch in zip(itertools.count(5), itertools.islice(dataset.iterate(5), 8)):
        _assert_batches_equal(batch, dataset.batch(position))
    # Random access does not depend on what was read before.
    _assert_batches_equal(_dataset().batch(12), dataset.batch(12))


@pytest.mark.parametrize("process_count", [2, 4])
def test_process_shards_concatenate_to_the_global_batch(process_count):
    batch_size = 8
    global_batch = _dataset(batch_size).batch(6)
    shards = [
        from_arrays(
            _arrays(), batch_size=batch_size, process_index=i, process_count=process_count
        ).batch(6)
        for i in range(process_count)
    ]
    assert all(len(shard["id"]) == batch_size // process_count for shard in shards)
    for key in global_batch:
        np.testing.assert_array_equal(
            np.concatenate([shard[key] for shard in shards]), global_batch[key]
        )


def test_epoch_is_one_ordered_pass_with_a_smaller_last_batch():
    batches = list(_dataset(batch_size=3).epoch(batch_size=4))
    assert [len(b["id"]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b["x"] for b in batches]), _arrays()["x"])
    assert [len(b["id"]) for b in _dataset(batch_size=3).epoch()] == [3, 3, 3, 1]


def test_attributes():
    dataset = _dataset(batch_size=4, name="mine")
    assert (dataset.name, dataset.batch_size, dataset.num_examples) == ("mine", 4, NUM_EXAMPLES)
    assert dataset.element_spec == {"x": ((2,), np.float32), "id": ((), np.int64)}


def test_arrays_are_used_as_given():
    arrays = {"x": np.arange(6, dtype=np.uint16)}
    batch = from_arrays(arrays, batch_size=6, process_index=0, process_count=1).batch(0)
    assert batch["x"].dtype == np.uint16
    np.testing.assert_array_equal(np.sort(batch["x"]), arrays["x"])


def test_process_defaults_come_from_jax():
    dataset = from_arrays(_arrays(), batch_size=2)
    assert (dataset.process_index, dataset.process_count) == (0, 1)


@pytest.mark.parametrize(
    "arrays, kwargs, match",
    [
        ({"a": np.zeros(3), "b": np.zeros(4)}, {}, r"'a': \(3,\).*'b': \(4,\)"),
        ({"a": np.zeros((0, 2))}, {}, "non-zero"),
        ({}, {}, "non-empty"),
        ({"a": np.zeros(3)}, {"batch_size": 0}, "batch_size must be a positive integer"),
        ({"a": np.zeros(3)}, {"batch_size": 2.0}, "batch_size must be a positive integer"),
        ({"a": np.zeros(3)}, {"batch_size": 3, "process_count": 2}, "not divisible"),
        ({"a": np.zeros(3)}, {"process_index": 2, "process_count": 2}, "process_index"),
        ({"a": np.zeros(3)}, {"seed": -1}, "seed"),
    ],
)
def test_bad_inputs_are_one_line_user_errors(arrays, kwargs, match):
    kwargs = {"batch_size": 2, **kwargs}
    with pytest.raises(UserError, match=match) as error:
        from_arrays(arrays, **kwargs)
    assert "\n" not in str(error.value)


def test_negative_position_is_a_user_error():
    with pytest.raises(UserError, match="position"):
        _dataset().batch(-1)
