"""The experiments' shared command line: ``--set`` read as ``jaxgen train`` reads it, and a
``UserError`` reported in one line."""

import importlib

import pytest

from experiments.entry import exit_if_stopped, run_command
from jaxgen.errors import UserError
from jaxgen.recipes import parse_overrides

SET_TAKERS = (
    "cyclegan.run",
    "stargan.run",
    "stargan.attributes",
    "progressive.run",
    "parts_to_whole.run",
    "infogan.run",
    "objectives.run",
)


def test_parse_overrides_keeps_text_and_the_last_setting():
    parsed = parse_overrides(["steps=100", " g.width =64", "tag=a=b", "steps=7", "empty="])
    assert parsed == {"steps": "7", "g.width": "64", "tag": "a=b", "empty": ""}
    for bad in ("steps", "=3", " =3"):
        with pytest.raises(UserError, match="--set takes KEY=VALUE"):
            parse_overrides([bad])


@pytest.mark.parametrize("module", SET_TAKERS)
def test_a_malformed_setting_stops_every_experiment_before_training(module, capsys, tmp_path):
    main = importlib.import_module(f"experiments.{module}").main
    argv = ["--set", "steps", "--out", str(tmp_path), "--workdir", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "--set takes KEY=VALUE, e.g. --set steps=100; got 'steps'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing trained, nothing written


def test_run_command_turns_a_user_error_into_one_line(capsys):
    def fails():
        raise UserError("unknown config key 'stpes': did you mean 'steps'?")

    with pytest.raises(SystemExit) as exit_info:
        run_command(fails)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "error: unknown config key 'stpes': did you mean 'steps'?\n"
    with pytest.raises(SystemExit) as exit_info:
        run_command(lambda: 3)  # an integer is the exit code
    assert exit_info.value.code == 3
    run_command(lambda: [1, 2])  # results are not


def test_a_stopped_run_ends_the_command_with_how_to_go_on():
    class State:
        step = 40

    exit_if_stopped(State(), 40, "unused")  # finished: nothing happens
    with pytest.raises(SystemExit, match="stopped at step 40 of 100; rerun with --resume"):
        exit_if_stopped(State(), 100, "rerun with --resume")
    with pytest.raises(SystemExit, match="^nade stopped at step 40 of 100; rerun to resume$"):
        exit_if_stopped(State(), 100, "rerun to resume", name="nade")
