"""``jaxgen train / sample / recipes`` end to end on tiny presets."""

import numpy as np
import pytest
from PIL import Image

from jaxgen import cli, data, recipes


def test_recipes_lists_every_recipe(capsys):
    assert cli.main(["recipes"]) == 0
    out = capsys.readouterr().out
    for name in ("gan_ring8", "dcgan_digits", "dcgan_mnist", "dcgan_cifar10", "dcgan_celeba64"):
        assert name in out


@pytest.mark.parametrize(
    "name, key, shape",
    [
        ("dcgan_digits", "image", (8, 8, 1)),
        ("gan_ring8", "x", (2,)),
    ],
)
def test_train_then_sample_from_the_checkpoint_alone(
    capsys, tmp_path, monkeypatch, name, key, shape
):
    workdir = str(tmp_path / "run")
    assert (
        cli.main(["train", name, "--workdir", workdir, "--set", "preset=tiny", "--no-progress"])
        == 0
    )
    out = capsys.readouterr().out
    assert f"trained {name} to step 20" in out
    latest = tmp_path / "run" / "samples" / "latest.png"
    assert f"samples:     {latest}" in out and latest.exists()
    assert (tmp_path / "run" / "samples" / "step_0000010.png").exists()
    assert list((tmp_path / "run" / "tensorboard").glob("events.out.tfevents.*"))
    assert (tmp_path / "run" / "metrics.jsonl").read_text().count("loss_d") == 4

    def no_data(*args, **kwargs):
        raise AssertionError("sampling must not read data")

    monkeypatch.setattr(data, "load", no_data)
    npz = tmp_path / "s.npz"
    assert cli.main(["sample", workdir, "--n", "5", "--seed", "3", "--out", str(npz)]) == 0
    with np.load(npz) as arrays:
        samples = arrays[key]
    assert samples.shape == (5, *shape) and np.all(np.isfinite(samples))
    assert cli.main(["sample", workdir, "--n", "5", "--seed", "3", "--out", str(npz)]) == 0
    with np.load(npz) as arrays:  # --seed fixes the samples
        np.testing.assert_array_equal(arrays[key], samples)
    png = tmp_path / "s.png"
    assert cli.main(["sample", workdir, "--n", "9", "--out", str(png)]) == 0
    with Image.open(png) as image:
        assert image.size[0] > 0


def test_training_an_existing_workdir_continues_with_new_steps(capsys, tmp_path):
    workdir = str(tmp_path)
    args = ["train", "gan_ring8", "--workdir", workdir, "--no-progress", "--set", "preset=tiny"]
    assert cli.main(args) == 0
    assert cli.main([*args, "--set", "steps=30"]) == 0
    out = capsys.readouterr().out
    assert "resuming gan_ring8 from step 20" in out and "to step 30" in out
    assert cli.main(["train", "dcgan_digits", "--workdir", workdir]) == 2
    assert "holds a gan_ring8 run" in capsys.readouterr().err


def test_a_first_save_cut_short_does_not_block_training(capsys, tmp_path):
    # What Orbax leaves when the process dies during the first save of a run.
    (tmp_path / "checkpoints" / "10.orbax-checkpoint-tmp-1234567890" / "state").mkdir(parents=True)
    args = ["train", "gan_ring8", "--workdir", str(tmp_path), "--no-progress"]
    assert cli.main([*args, "--set", "preset=tiny"]) == 0
    assert "trained gan_ring8 to step 20" in capsys.readouterr().out


def test_register_adds_a_user_recipe():
    base = recipes.get("gan_ring8", preset="tiny")
    recipes.register("my_ring", lambda **overrides: base._replace(name="my_ring"))
    try:
        assert "my_ring" in recipes.names()
        assert recipes.get("my_ring").name == "my_ring"
    finally:
        recipes.registry._FACTORIES.pop("my_ring")
