"""The recipe registry: ``get(name, **overrides)``, ``names()``, ``register(name, factory)``.

A factory is any callable ``factory(**overrides) -> Recipe``. Built-in recipes are made with
``configured(get_config, build, presets)``, which applies a preset (``preset="tiny"``) and then
the overrides to the config, checking every key and parsing strings from the command line.
"""

import ast

import ml_collections

from jaxgen.errors import UserError, closest
from jaxgen.train.multistep import check_intervals, scan_steps
from jaxgen.train.runs import check_runs_config, run_count, run_overrides, stack

_FACTORIES = {}


def register(name: str, factory) -> None:
    """Adds (or replaces) the recipe ``name``; ``factory(**overrides)`` returns a ``Recipe``."""
    _FACTORIES[name] = factory


def names() -> list[str]:
    return sorted(_FACTORIES)


def get(name: str, **overrides):
    """The recipe ``name`` with config ``overrides`` (``preset="tiny"`` for the test preset)."""
    if name not in _FACTORIES:
        raise UserError(
            f"unknown recipe {name!r}: {closest(name, _FACTORIES)} (`jaxgen recipes` lists them)"
        )
    return _FACTORIES[name](**overrides)


def configured(get_config, build, presets: dict):
    """A factory: ``get_config()``, then ``presets[preset]``, then overrides, then ``build``."""

    def factory(**overrides):
        config = get_config()
        preset = overrides.pop("preset", config.get("preset", "default"))
        if preset not in presets:
            raise UserError(f"unknown preset {preset!r}: {closest(str(preset), presets)}")
        config.preset = preset
        apply_overrides(config, presets[preset])
        apply_overrides(config, overrides)
        check_runs_config(config)
        check_intervals(config)
        recipe = build(config)
        if run_count(config) > 1:
            # N runs as one program: run k's own data set (its data seed), run 0's program.
            run_datasets = []
            for run in range(run_count(config)):
                run_config = config.copy_and_resolve_references()
                apply_overrides(run_config, run_overrides(config, run))
                run_datasets.append(build(run_config).dataset)
            recipe = stack(recipe, run_datasets)
        if config.get("steps_per_call", 1) > 1:
            recipe = scan_steps(recipe, (recipe.batches_per_step > 1) + (recipe.runs > 1))
        return recipe

    return factory


def parse_overrides(settings) -> dict:
    """``["steps=100", "g.width=64"]`` → ``{"steps": "100", "g.width": "64"}``: the
    command line's ``--set KEY=VALUE`` strings, values still text (``apply_overrides`` reads
    them as each field's type). A later setting of the same key wins."""
    overrides = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set takes KEY=VALUE, e.g. --set steps=100; got {setting!r}")
        overrides[key.strip()] = value
    return overrides


def apply_overrides(config: ml_collections.ConfigDict, overrides: dict) -> None:
    """Sets ``config[key] = value`` for dotted keys, parsing strings to the field's type."""
    valid = _flat_keys(config)
    for key, value in overrides.items():
        if key not in valid:
            raise UserError(f"unknown config key {key!r}: {closest(key, valid)}")
        *parents, leaf = key.split(".")
        node = config
        for parent in parents:
            node = node[parent]
        try:
            node[leaf] = _parse(key, value, node[leaf])
        except TypeError as error:  # ConfigDict refuses a value of another type
            raise UserError(f"config key {key!r}: {error}") from None


def _flat_keys(config, prefix=""):
    keys = []
    for key, value in config.items():
        if isinstance(value, ml_collections.ConfigDict):
            keys += _flat_keys(value, f"{prefix}{key}.")
        else:
            keys.append(prefix + key)
    return keys


def _parse(key, value, current):
    """A command-line string → the type of the current value (bool, int, float, tuple, str);
    a tuple of strings takes a bare comma list, ``nsgan, wgan`` (an empty tuple too, where the
    value is no Python literal)."""
    if not isinstance(value, str) or isinstance(current, str):
        return value
    if current is None:  # an optional field: a Python literal, or else the string itself
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    try:
        if isinstance(current, bool):
            lowered = value.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return lowered in ("true", "1", "yes")
        if isinstance(current, int):
            return int(value.replace("_", ""))
        if isinstance(current, float):
            return float(value)
        if isinstance(current, tuple) and current and all(isinstance(i, str) for i in current):
            return _comma_list(value)
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            if current != ():
                raise
            return _comma_list(value)  # an empty tuple: names, as no literal reads it
        return (parsed,) if isinstance(current, tuple) and not isinstance(parsed, tuple) else parsed
    except (ValueError, SyntaxError):
        kind = type(current).__name__
        raise UserError(
            f"config key {key!r} takes a {kind} (now {current!r}), got {value!r}"
        ) from None


def _comma_list(value):
    return tuple(item.strip() for item in value.split(",") if item.strip())
