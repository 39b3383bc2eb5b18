"""Mistakes the user can fix give one line on stderr and exit status 2, never a traceback."""

import os
import subprocess
import sys

import ml_collections
import pytest

from jaxgen import cli
from jaxgen.errors import UserError
from jaxgen.recipes.registry import apply_overrides


def run_cli(capsys, *argv):
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.err.strip()


def assert_one_line(status, err, *fragments):
    assert status == 2, err
    assert err.startswith("jaxgen: error: ") and "\n" not in err, err
    for fragment in fragments:
        assert fragment in err, err


def test_unknown_recipe(capsys, tmp_path):
    status, err = run_cli(capsys, "train", "nonexistent", "--workdir", str(tmp_path))
    assert_one_line(status, err, "unknown recipe 'nonexistent'")


def test_misspelled_recipe_suggests_the_closest(capsys, tmp_path):
    status, err = run_cli(capsys, "train", "dcgan_digit", "--workdir", str(tmp_path))
    assert_one_line(status, err, "did you mean 'dcgan_digits'")


def test_unknown_config_key(capsys, tmp_path):
    status, err = run_cli(
        capsys, "train", "dcgan_digits", "--workdir", str(tmp_path), "--set", "batchsize=8"
    )
    assert_one_line(status, err, "unknown config key 'batchsize'", "batch_size")


def test_config_value_of_the_wrong_type(capsys, tmp_path):
    status, err = run_cli(
        capsys, "train", "dcgan_digits", "--workdir", str(tmp_path), "--set", "steps=many"
    )
    assert_one_line(status, err, "'steps' takes a int")


def test_setting_without_a_value(capsys, tmp_path):
    status, err = run_cli(
        capsys, "train", "dcgan_digits", "--workdir", str(tmp_path), "--set", "steps"
    )
    assert_one_line(status, err, "--set takes KEY=VALUE, e.g. --set steps=100; got 'steps'")


def test_missing_tfds_data_set(capsys, tmp_path):
    empty = tmp_path / "tfds"
    empty.mkdir()
    status, err = run_cli(
        capsys,
        "train",
        "dcgan_cifar10",
        "--workdir",
        str(tmp_path / "run"),
        "--set",
        "preset=tiny",
        "--set",
        f"data_dir={empty}",
        "--no-progress",
    )
    assert_one_line(status, err, "cifar10", "array_record")


def test_sample_from_a_workdir_without_checkpoint(capsys, tmp_path):
    status, err = run_cli(capsys, "sample", str(tmp_path))
    assert_one_line(status, err, "holds no checkpoint")
    status, err = run_cli(capsys, "sample", str(tmp_path / "absent"))
    assert_one_line(status, err, "no such workdir")


def test_corrupted_checkpoint(capsys, tmp_path):
    workdir = str(tmp_path)
    assert (
        cli.main(
            ["train", "gan_ring8", "--workdir", workdir, "--set", "preset=tiny", "--no-progress"]
        )
        == 0
    )
    for root, _, files in os.walk(tmp_path / "checkpoints" / "20"):
        for name in files:
            with open(os.path.join(root, name), "wb") as f:
                f.write(b"\0")
    capsys.readouterr()
    status, err = run_cli(capsys, "sample", workdir)
    assert_one_line(status, err, "unreadable")


@pytest.mark.parametrize("batch_size, suggestion", [(12, "8 or 16"), (4, "8")])
def test_batch_that_the_devices_do_not_divide(tmp_path, batch_size, suggestion):
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=8"}
    command = [
        sys.executable,
        "-m",
        "jaxgen.cli",
        "train",
        "gan_ring8",
        "--workdir",
        str(tmp_path),
        "--set",
        "preset=tiny",
        "--set",
        f"batch_size={batch_size}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    err = result.stderr.strip()
    assert_one_line(result.returncode, err, "8 devices", suggestion)


def test_data_that_does_not_fit_the_networks(capsys, tmp_path):
    status, err = run_cli(
        capsys,
        "train",
        "dcgan_digits",
        "--workdir",
        str(tmp_path),
        "--set",
        "preset=tiny",
        "--set",
        "channels=3",
        "--no-progress",
    )
    assert_one_line(status, err, "digits gives 'image' of shape [8, 8, 1]", "expects [8, 8, 3]")


def test_resuming_with_another_network_is_refused(capsys, tmp_path):
    args = ["train", "gan_ring8", "--workdir", str(tmp_path), "--set", "preset=tiny"]
    assert cli.main([*args, "--no-progress"]) == 0
    status, err = run_cli(capsys, *args, "--set", "g_width=32", "--set", "steps=30")
    assert_one_line(status, err, "holds a run with g_width=16", "another --workdir")


def test_tuple_values_take_literals_or_bare_comma_lists():
    config = ml_collections.ConfigDict({"rates": (), "names": ("nsgan",), "sizes": (1, 2)})
    apply_overrides(config, {"rates": "1e-4,2e-4", "names": "wgan, hinge", "sizes": "(3, 4)"})
    assert config.rates == (1e-4, 2e-4) and config.names == ("wgan", "hinge")
    assert config.sizes == (3, 4)
    apply_overrides(config, {"rates": "5e-4"})
    assert config.rates == (5e-4,)
    with pytest.raises(UserError, match="config key 'sizes' takes a tuple"):
        apply_overrides(config, {"sizes": "three,four"})
