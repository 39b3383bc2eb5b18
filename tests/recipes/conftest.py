"""Shared checks of the recipe tests."""

import shutil

import jax
import numpy as np
import pytest

from jaxgen.train import train


@pytest.fixture
def resumes_bit_for_bit(tmp_path):
    """``check(recipe, workdir, straight, latest)``: a copy of the straight run's ``workdir``
    without its checkpoint ``latest`` trains on from the one before it to ``straight``, the
    uninterrupted run's final state, bit for bit."""

    def check(recipe, workdir, straight, latest):
        resumed_dir = tmp_path / "resumed"
        shutil.copytree(workdir, resumed_dir)
        shutil.rmtree(resumed_dir / "checkpoints" / str(latest))
        resumed = train(recipe, str(resumed_dir), progress=False)
        leaves_a, tree_a = jax.tree.flatten(straight)
        leaves_b, tree_b = jax.tree.flatten(resumed)
        assert tree_a == tree_b
        for a, b in zip(leaves_a, leaves_b, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

    return check
