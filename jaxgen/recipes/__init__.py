"""Recipes: configs as code that tie a model, a loss, a rule and data together.

``get(name, **overrides)`` builds one (``preset="tiny"`` for tests), ``names()`` lists them,
``register(name, factory)`` adds a user's, ``parse_overrides(["steps=100"])`` reads the
command line's ``--set KEY=VALUE`` into the ``overrides`` that ``get`` takes. Each recipe
module's docstring holds the command that runs it and the result to expect.
"""

import functools

from jaxgen.recipes import (
    adversarial_autoencoder,
    conditional_recipes,
    cyclegan,
    dcgan_celeba64,
    dcgan_cifar10,
    dcgan_digits,
    dcgan_mnist,
    gan,
    gan_ring8,
    likelihood,
    objective_recipes,
    parts_to_whole,
    progressive,
    stargan,
    text_to_image,
)
from jaxgen.recipes.registry import configured, get, names, parse_overrides, register
from jaxgen.recipes.restore import load

for _module in (gan_ring8, dcgan_digits, dcgan_mnist, dcgan_cifar10, dcgan_celeba64):
    _name = _module.__name__.rsplit(".", 1)[1]
    register(
        _name, configured(_module.get_config, functools.partial(gan.build, _name), _module.PRESETS)
    )
for _name, _factory in {
    **objective_recipes.factories(configured),
    **conditional_recipes.factories(configured),
    **likelihood.factories(configured),
    **adversarial_autoencoder.factories(configured),
    **cyclegan.factories(configured),
    **text_to_image.factories(configured),
    **stargan.factories(configured),
    **progressive.factories(configured),
    **parts_to_whole.factories(configured),
}.items():
    register(_name, _factory)

__all__ = ["configured", "get", "load", "names", "parse_overrides", "register"]
