"""The objective recipes (``{family}_{data}``): each trains its tiny preset without NaN.

Every family is stepped on ring8 (MLPs), and on digits (8×8 DCGAN) where its discriminator is
not DCGAN's (WGAN-GP's layer norm, SN-GAN's spectral norm, the auto-encoders of EBGAN and
BEGAN); the other digits recipes are DCGAN with another objective, whose losses
tests/losses checks. The tiny presets of the mnist and tfds variants are the digits networks at
8×8 with another data set, which the base recipes' tests load (tests/recipes/test_recipes.py):
for them the test checks that the config differs from the digits one in the data keys and
learning rates only, so the stepped program is the same. Compiling is what these tests cost
(~5 s per recipe on 2 cores), hence the selection.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import UserError, recipes
from jaxgen.game.energy import BEGAN_STATE
from jaxgen.recipes.objective_recipes import FAMILIES, recipe_table
from jaxgen.train import train
from jaxgen.train.mesh import put_batch

OWN_DISCRIMINATOR = ("wgan_gp", "hinge", "ebgan", "began")
STEPPED = [f"{family}_ring8" for family in FAMILIES] + [
    f"{family}_digits" for family in OWN_DISCRIMINATOR
]
ALLOWED = {"data", "channels", "dcgan_stages", "g_learning_rate", "d_learning_rate"}


def step_batches(recipe, steps):
    dataset = recipe.dataset("train")
    k = recipe.batches_per_step
    for step in range(steps):
        batches = [dataset.batch(step * k + i) for i in range(k)]
        batch = (
            batches[0]
            if k == 1
            else {key: np.stack([b[key] for b in batches]) for key in batches[0]}
        )
        yield put_batch(batch, recipe.mesh, stacked=k > 1)


@pytest.mark.parametrize("name", STEPPED)
def test_family_trains_its_tiny_preset_without_nan(name):
    # Two critic steps for WGAN's five: the same step, unrolled (a Python loop) 2 times, not 5.
    d_steps = min(2, recipes.get(name, preset="tiny").config.d_steps)
    recipe = recipes.get(name, preset="tiny", d_steps=d_steps)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    before = jax.tree.map(np.array, state.params)
    for batch in step_batches(recipe, 3):
        state, metrics = recipe.step(state, batch)
    for player in ("g", "d"):
        old, new = getattr(before, player), getattr(state.params, player)
        assert all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(new))
        change = jax.tree.map(lambda a, b: float(np.abs(a - np.asarray(b)).max()), old, new)
        assert max(jax.tree.leaves(change)) > 0, f"{player} did not move"
    assert all(np.isfinite(float(v)) for v in metrics.values())
    samples = recipe.sample(state, jax.random.PRNGKey(1), 4)
    assert all(np.all(np.isfinite(v)) for v in samples.values())


@pytest.mark.parametrize(
    "name", sorted(name for name in recipe_table() if not name.endswith(("ring8", "digits")))
)
def test_other_variants_are_the_stepped_program_on_other_data(name):
    family, _ = recipe_table()[name]
    config = recipes.get(name, preset="tiny").config.to_dict()
    reference = recipes.get(f"{family}_digits", preset="tiny").config.to_dict()
    differing = {key for key in config if config[key] != reference[key]}
    assert differing <= ALLOWED, differing
    assert config["data"] != reference["data"]
    for key, value in FAMILIES[family].overrides.items():
        assert config[key] == value


def test_every_family_has_its_papers_settings():
    wgan = recipes.get("wgan_mnist").config
    assert (wgan.optimizer, wgan.d_learning_rate, wgan.d_steps, wgan.weight_clip) == (
        "rmsprop",
        5e-5,
        5,
        0.01,
    )
    gp = recipes.get("wgan_gp_cifar10").config
    assert (gp.penalty, gp.penalty_weight, gp.d_norm, gp.beta1, gp.beta2, gp.d_steps) == (
        "gp",
        10.0,
        "layer",
        0.0,
        0.9,
        5,
    )
    assert recipes.get("hinge_digits").config.spectral_norm
    assert recipes.get("began_celeba64").config.rule == "simultaneous"


def test_wgan_critic_weights_stay_clipped():
    recipe = recipes.get("wgan_ring8", preset="tiny", d_learning_rate=0.1)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    assert max(float(jnp.abs(x).max()) for x in jax.tree.leaves(state.params.d)) > 0.01
    for batch in step_batches(recipe, 2):
        state, _ = recipe.step(state, batch)
    largest = max(float(jnp.abs(x).max()) for x in jax.tree.leaves(state.params.d))
    assert largest <= 0.01 * (1 + 1e-6)
    assert largest > 0.009  # a learning rate of 0.1 pushes weights to the bound


def test_began_k_lives_in_the_model_state_and_is_checkpointed(tmp_path):
    recipe = recipes.get("began_ring8", preset="tiny", began_lambda_k=0.5, steps=6)
    state = train(recipe, str(tmp_path), progress=False)
    k = float(state.model_state.d[BEGAN_STATE]["k"])
    assert 0.0 <= k <= 1.0 and k != 0.0  # a gain of 0.5 moves it off k_0 = 0 within 6 steps
    _, restored = recipes.load(str(tmp_path))
    assert float(restored.model_state.d[BEGAN_STATE]["k"]) == k


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"penalty": "gp"}, "d_norm=layer"),
        ({"objective": "wgan", "label_smoothing": 0.1}, "label_smoothing is for"),
        ({"objective": "ebgan", "penalty": "r1", "d_norm": "none"}, "auto-encoder"),
        ({"optimizer": "adamw"}, "unknown optimizer 'adamw'"),
        ({"penalty": "wgan_gp", "d_norm": "none"}, "unknown penalty"),
        ({"rule": "simultaneous", "d_steps": 5}, "one update per player"),
        ({"objective": "begann"}, "did you mean 'began'"),
    ],
)
def test_bad_combinations_are_one_line_errors(overrides, message):
    with pytest.raises(UserError, match=message):
        recipes.get("dcgan_digits", preset="tiny", **overrides)


SWITCHES = {
    "feature_matching": {"feature_matching": True},
    "minibatch_discrimination": {"minibatch_kernels": 8},
    "historical_averaging": {"historical_averaging": 0.1},
    "label_smoothing": {"label_smoothing": 0.1},
    "virtual_batch_norm": {"virtual_batch_norm": 4},
    "instance_noise_r1": {"instance_noise": 0.1, "penalty": "r1", "d_norm": "none"},
}


@pytest.mark.parametrize("switches", SWITCHES.values(), ids=SWITCHES.keys())
def test_improved_gan_switches_train_dcgan_without_nan(switches):
    recipe = recipes.get("dcgan_digits", preset="tiny", **switches)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    for batch in step_batches(recipe, 2):
        state, metrics = recipe.step(state, batch)
    assert all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(state.params))
    assert all(np.isfinite(float(v)) for v in metrics.values())


def test_virtual_batch_norm_makes_each_image_independent_of_its_batch():
    recipe = recipes.get("dcgan_digits", preset="tiny", virtual_batch_norm=4)
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    reference = state.model_state.g["vbn"]["z_reference"]
    assert reference.shape == (4, recipe.config.latent_dim)
    z = jax.random.normal(jax.random.PRNGKey(1), (6, recipe.config.latent_dim))
    alone = recipe.generate(state, z[:1])["image"]
    together = recipe.generate(state, z)["image"]
    np.testing.assert_allclose(alone[0], together[0], atol=1e-5)
    plain = recipes.get("dcgan_digits", preset="tiny")  # batch norm in training mode differs
    assert "vbn" not in plain.init(jax.random.PRNGKey(0), plain.example_batch()).model_state.g
