"""Many runs as one program (``--seeds N``, ``run_learning_rates``): each run equals the run
trained alone, a diverging run neither stops nor touches the others, and the CLI picks one.

The reference of run k is the same recipe trained by itself with ``jaxgen.train.train`` and the
config that ``jaxgen.train.runs.run_overrides`` names (its seed and rate).
"""

import json
import os

import jax
import numpy as np
import pytest

import jaxgen
from jaxgen import cli, recipes
from jaxgen.errors import UserError
from jaxgen.train import runs, train
from jaxgen.train.state import all_finite

RATES = (1e-3, 1e38, 3e-4)  # 1e38: Adam's first step sends the parameters to inf
TINY_RING = {"preset": "tiny", "steps": 4, "log_every": 1}


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """2 seeds × 3 rates of tiny gan_ring8, trained by the CLI: 6 runs, 2 of them diverge."""
    workdir = str(tmp_path_factory.mktemp("runs") / "grid")
    rates = ",".join(map(str, RATES))
    argv = ["train", "gan_ring8", "--workdir", workdir, "--seeds", "2", "--no-progress"]
    argv += [f"--set={k}={v}" for k, v in TINY_RING.items()]
    assert cli.main([*argv, "--set", f"run_learning_rates={rates}"]) == 0
    return workdir


def separate_run(tmp_path, run, config):
    """Run ``run`` of the multi-run ``config`` trained alone: its final TrainState."""
    overrides = {**TINY_RING, **runs.run_overrides(config, run)}
    return train(recipes.get("gan_ring8", **overrides), str(tmp_path / f"run{run}"), progress=False)


def test_each_run_equals_the_run_trained_alone(grid, tmp_path):
    recipe, state = jaxgen.load(grid)
    assert recipe.runs == 6 and int(state.step) == 4
    # On CPU the 6 runs step in chunks of runs.CPU_RUNS_PER_CHUNK = 4: runs 2 and 3 in the
    # first chunk, run 5 in the remainder (seeds 0, 1, 1 at rates 3e-4, 1e-3, 3e-4).
    assert runs.CPU_RUNS_PER_CHUNK == 4
    for run in (2, 3, 5):
        alone = separate_run(tmp_path, run, recipe.config)
        ours = runs.select(recipe, state, run)[1]
        for a, b in zip(jax.tree.leaves(ours.params), jax.tree.leaves(alone.params), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        sample = runs.select(recipe, state, run)[0].sample
        np.testing.assert_allclose(
            sample(ours, jax.random.PRNGKey(0), 8)["x"],
            sample(alone, jax.random.PRNGKey(0), 8)["x"],
            rtol=1e-5,
            atol=1e-6,
        )


def test_runs_differ_in_seed_and_rate(grid):
    recipe, state = jaxgen.load(grid)
    kernels = state.params.g["MLP_0"]["Dense_0"]["kernel"]
    assert not np.allclose(kernels[0], kernels[3])  # seeds 0 and 1
    assert not np.allclose(kernels[0], kernels[2])  # rates 1e-3 and 3e-4, same seed
    rate = recipe.config.run_learning_rates
    assert tuple(rate) == RATES


def test_a_diverging_run_skips_its_updates_and_the_rest_go_on(grid):
    recipe, state = jaxgen.load(grid)
    for run in range(recipe.runs):
        assert bool(all_finite(runs.select(recipe, state, run)[1].params)), run
    with open(os.path.join(grid, "metrics.jsonl")) as f:
        records = [json.loads(line) for line in f]
    assert sorted({r["run"] for r in records}) == list(range(6))
    assert len(records) == 6 * 4  # log_every 1: one record per run and step
    diverged = {r["run"] for r in records if not np.isfinite(r["loss_g"])}
    assert diverged == {1, 4}  # rate 1e38 of seeds 0 and 1
    for run in range(6):
        assert os.path.exists(os.path.join(grid, "samples", f"run_{run}", "latest.png"))
        assert os.path.isdir(os.path.join(grid, "tensorboard", f"run_{run}"))


def test_cli_sample_picks_one_run(grid, tmp_path, capsys):
    assert cli.main(["sample", grid, "--n", "8", "--out", str(tmp_path / "all.npz")]) == 2
    assert "holds 6 runs (--seeds); pick one with --run K (0..5)" in capsys.readouterr().err
    assert cli.main(["sample", grid, "--run", "6"]) == 2
    assert "run 6 does not exist: this workdir holds runs 0..5" in capsys.readouterr().err
    out = str(tmp_path / "run3.npz")
    assert cli.main(["sample", grid, "--run", "3", "--n", "8", "--out", out]) == 0
    recipe, state = jaxgen.load(grid, run=3)
    assert recipe.runs == 1 and recipe.config.seed == 1
    expected = recipe.sample(state, jax.random.PRNGKey(0), 8)["x"]
    np.testing.assert_array_equal(np.load(out)["x"], expected)


def test_stacked_data_batches_and_batch_norm_match_runs_alone(tmp_path):
    """dcgan_digits with d_steps=2: batches [runs, 2, B, ...], batch norm per run.

    Compared by the logged losses and D's outputs: the biases of the layers that feed a batch
    norm have a zero gradient up to rounding, which Adam scales up to ±lr, so they differ
    between any two programs; the outputs, which batch norm makes independent of them, do not.
    """
    settings = {"preset": "tiny", "steps": 2, "log_every": 1, "sample_every": 0, "d_steps": 2}
    multi = recipes.get("dcgan_digits", seeds=2, **settings)
    train(multi, str(tmp_path / "multi"), progress=False)
    with open(tmp_path / "multi" / "metrics.jsonl") as f:
        ours = [json.loads(line) for line in f]
    for seed in (1,):  # run 1: its own data seed and key (run 0 is the recipe's own)
        train(recipes.get("dcgan_digits", seed=seed, **settings), str(tmp_path / f"s{seed}"),
              progress=False)  # fmt: skip
        with open(tmp_path / f"s{seed}" / "metrics.jsonl") as f:
            alone = [json.loads(line) for line in f]
        assert len(alone) == 2
        for record in alone:
            (match,) = [r for r in ours if r["run"] == seed and r["step"] == record["step"]]
            for name, value in record.items():
                assert match[name] == pytest.approx(value, rel=1e-5, abs=1e-6), (seed, name)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"seeds": 0}, "seeds=0: train at least one run"),
        ({"run_learning_rates": (1e-3, -1.0)}, "give positive numbers"),
        ({"seeds": 2, "eval_every": 5}, "eval_every does not run with several runs"),
    ],
)
def test_bad_runs_settings_are_one_line_errors(overrides, message):
    with pytest.raises(UserError, match=message):
        recipes.get("gan_ring8", preset="tiny", **overrides)
