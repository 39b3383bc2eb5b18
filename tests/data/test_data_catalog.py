"""load and names: the catalog of names, its errors, and the lazy TFDS import."""

import subprocess
import sys

import pytest

from jaxgen.data import load, names
from jaxgen.errors import UserError


def test_names_lists_the_built_in_sets_and_the_tfds_pattern():
    assert names() == ["digits", "mnist5k", "stacked_mnist", "ring8", "grid25", "tfds:<name>"]


@pytest.mark.parametrize(
    "name, match",
    [
        ("digts", "unknown data set 'digts': did you mean 'digits'?"),
        ("ring9", "did you mean 'ring8'"),
        (3, "must be a string"),
        ("tfds:", "needs a TFDS name"),
    ],
)
def test_unknown_names_are_one_line_user_errors(name, match):
    with pytest.raises(UserError, match=match) as error:
        load(name, batch_size=4)
    assert "\n" not in str(error.value)


def test_importing_jaxgen_data_leaves_tfds_unimported():
    code = "import sys, jaxgen.data; print('tensorflow_datasets' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
