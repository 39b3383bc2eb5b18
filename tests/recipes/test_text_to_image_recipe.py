"""The text-to-image recipes (gancls_*): captioned data with wrong texts, the frozen encoder in
the model state, sampling from captions, the CLI's --text and its errors."""

import json

import jax
import numpy as np
import pytest

import jaxgen
from jaxgen import cli, recipes
from jaxgen.data import captioned, captions
from jaxgen.errors import UserError
from jaxgen.game.text_conditional import TEXT_ENCODER
from jaxgen.recipes import text_to_image


def test_captioned_batches_hold_the_right_caption_and_a_wrong_one():
    dataset = captioned.captioned_dataset("digits", batch_size=64, seed=3)
    cuts = captioned.property_cuts("digits", 8)
    for position in range(4):
        batch = dataset.batch(position)
        texts = captions.detokenize(batch["text"])
        assert texts == captions.captions(batch["image"], batch["label"], cuts)
        assert [text.split()[-1] for text in texts] == [
            captions.DIGITS[label] for label in batch["label"]
        ]
        wrong = captions.detokenize(batch["wrong_text"])
        assert all(w != t and w in captions.ALL_CAPTIONS for w, t in zip(wrong, texts, strict=True))
    again = captioned.captioned_dataset("digits", batch_size=64, seed=3).batch(2)
    np.testing.assert_array_equal(again["wrong_text"], dataset.batch(2)["wrong_text"])
    with pytest.raises(UserError, match="a caption is made from an offline set"):
        captioned.captioned_dataset("ring8", batch_size=8)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("gancls") / "run")
    argv = ["train", "gancls_digits", "--workdir", workdir, "--no-progress"]
    settings = ["preset=tiny", "steps=20", "checkpoint_every=20", "sample_every=20"]
    assert cli.main([*argv, *[arg for s in settings for arg in ("--set", s)]]) == 0
    return workdir


def test_training_logs_the_three_kinds_of_pairs(workdir):
    with open(f"{workdir}/metrics.jsonl") as f:
        last = [json.loads(line) for line in f][-1]
    assert last["step"] == 20
    for name in ("d_real", "d_wrong", "d_fake", "loss_d", "loss_g"):
        assert np.isfinite(last[name])


def test_samples_follow_the_text_and_the_encoder_stays_frozen(workdir):
    recipe, state = jaxgen.load(workdir)
    assert recipe.vocabulary == captions.VOCABULARY[1:]
    cached = text_to_image.pretrained_text_encoder(recipe.config)
    for stored, original in zip(
        jax.tree.leaves(state.model_state.g[TEXT_ENCODER]), jax.tree.leaves(cached), strict=True
    ):
        np.testing.assert_array_equal(stored, original)  # 20 steps later, unchanged
    key = jax.random.PRNGKey(0)
    sevens = recipe.sample(state, key, 4, texts="a thin upright seven")
    again = recipe.sample(state, key, 4, texts="a  THIN upright seven")
    np.testing.assert_array_equal(sevens["image"], again["image"])  # same text and key
    twos = recipe.sample(state, key, 4, texts="a thin upright two")
    assert np.abs(np.asarray(twos["image"]) - np.asarray(sevens["image"])).max() > 1e-4
    mixed = recipe.sample(state, key, 5, texts=["a thin upright two", "a thin upright seven"])
    np.testing.assert_array_equal(mixed["label"], [0, 1, 0, 1, 0])
    default = recipe.sample(state, key, 12)
    np.testing.assert_array_equal(default["label"], np.arange(12) % 10)
    with pytest.raises(UserError, match="unknown word 'purple'"):
        recipe.sample(state, key, 2, texts="a purple seven")
    with pytest.raises(UserError, match="at most 4"):
        recipe.sample(state, key, 2, texts="a thin upright right-slanted seven")


def test_cli_sample_text(capsys, tmp_path, workdir):
    out = tmp_path / "sevens.npz"
    argv = ["sample", workdir, "--n", "4", "--out", str(out), "--text", "a thick upright seven"]
    assert cli.main(argv) == 0
    recipe, state = jaxgen.load(workdir)
    expected = recipe.sample(state, jax.random.PRNGKey(0), 4, texts="a thick upright seven")
    with np.load(out) as samples:
        np.testing.assert_allclose(samples["image"], expected["image"], rtol=1e-6)
    capsys.readouterr()
    assert cli.main(["sample", workdir, "--text", "a seven", "--walk"]) == 2
    assert "--text condition a sample grid" in capsys.readouterr().err


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"interpolation": 1.5}, "interpolation"),
        ({"condition": "concat"}, "does not take condition"),
        ({"objective": "began"}, "objective=began"),
        ({"penalty": "r1", "d_norm": "none"}, "does not take penalty"),
        ({"text_features": 0}, "text_features"),
    ],
)
def test_bad_text_settings_are_one_line_errors(overrides, message):
    with pytest.raises(UserError, match=message):
        recipes.get("gancls_digits", preset="tiny", **overrides)
