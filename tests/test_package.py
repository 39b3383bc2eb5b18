"""The package's top level: lazy subpackages and a light import."""

import subprocess
import sys

import jaxgen


def test_subpackages_resolve_on_attribute_access():
    assert jaxgen.game.simultaneous and jaxgen.losses.get_objective and jaxgen.nn.DCGANGenerator
    assert jaxgen.data.load and jaxgen.train.train and jaxgen.recipes.get


def test_import_does_not_load_the_heavy_libraries():
    heavy = ("flax", "optax", "orbax", "tensorflow_datasets")
    code = f"import sys, jaxgen; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
