"""The StarGAN recipes: the digit domains, a tiny run without NaN, exact resume, sampling."""

import json

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxgen import UserError
from jaxgen.data import multi_domain, offline
from jaxgen.data.captioned import signed_split
from jaxgen.recipes import registry, stargan
from jaxgen.train import train

FACTORIES = stargan.factories(registry.configured)


@pytest.fixture(scope="module")
def recipe():
    return FACTORIES["stargan_digits"](preset="tiny")


@pytest.fixture(scope="module")
def straight_run(recipe, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("stargan") / "straight"
    return workdir, train(recipe, str(workdir), progress=False)


def test_each_domain_is_its_transformation():
    x = -np.ones((1, 3, 3, 1), np.float32)
    x[0, 0, 2, 0] = 1.0  # ink in the top-right corner
    rotated, thickened, inverted = (multi_domain.transform(x, [k])[0, ..., 0] for k in (1, 2, 3))
    expected_rotated = -np.ones((3, 3), np.float32)
    expected_rotated[0, 0] = 1.0  # anticlockwise: top-right goes to top-left
    np.testing.assert_array_equal(rotated, expected_rotated)
    expected_thick = -np.ones((3, 3), np.float32)
    expected_thick[0:2, 1:3] = 1.0
    np.testing.assert_array_equal(thickened, expected_thick)
    np.testing.assert_array_equal(inverted, -x[0, ..., 0])
    np.testing.assert_array_equal(multi_domain.transform(x, [0]), x)


def test_batches_hold_transformed_digits_their_domain_and_label(recipe):
    dataset = recipe.dataset("train")
    batch = dataset.batch(5)
    np.testing.assert_array_equal(batch["image"], dataset.batch(5)["image"])  # pure in position
    images, labels = signed_split("digits", "train", 8)
    # find each row's source digit: the one whose transformation it is
    for image, domain, label in zip(batch["image"], batch["domain"], batch["label"], strict=True):
        candidates = multi_domain.transform(images, np.full(len(images), domain))
        rows = np.flatnonzero((np.abs(candidates - image) < 1e-6).all(axis=(1, 2, 3)))
        assert len(rows) >= 1 and label in labels[rows]
    everything = next(dataset.epoch(len(offline.split_arrays("digits", "train", 8)[1])))
    assert np.all(np.abs(np.bincount(everything["domain"], minlength=4) / 1438 - 0.25) < 0.04)
    with pytest.raises(UserError, match="a digit domain is made from an offline set"):
        multi_domain.multi_domain_dataset("ring8", batch_size=8)


def test_tiny_run_has_no_nan(straight_run, recipe):
    workdir, state = straight_run
    assert int(state.step) == recipe.config.steps == 20
    for leaf in jax.tree.leaves(state.params):
        assert np.all(np.isfinite(leaf))
    records = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    last = records[-1]
    for name in ("loss_g", "loss_d", "reconstruction", "d_penalty", "class_fake"):
        assert np.isfinite(last[name]), name


def test_a_run_resumed_from_step_10_equals_the_uninterrupted_run(
    straight_run, recipe, resumes_bit_for_bit
):
    workdir, straight = straight_run
    resumes_bit_for_bit(recipe, workdir, straight, latest=20)  # step 10's checkpoint is next


def test_pose_turn_choice_keeps_its_per_pair_average_in_the_checkpoint_and_resumes_exactly(
    tmp_path, resumes_bit_for_bit
):
    recipe = FACTORIES["stargan_digits"](
        preset="tiny", g_pair_turns=4, source_weight=1.0, turn_choice_weight=1.0,
        turn_choice_pair_decay=0.9, turn_choice_poses=True, turn_choice_turn_cost=1.0, steps=6,
        checkpoint_every=3, sample_every=6, log_every=3,
    )  # fmt: skip
    workdir = tmp_path / "straight"
    state = train(recipe, str(workdir), progress=False)
    average = state.model_state.g["turn_choice"]
    # 6 steps of 3 calls of batch 8 (2 critic updates, 1 generator update) see every pair
    assert np.all(np.asarray(average["weight"])[~np.eye(4, dtype=bool)] > 0)
    assert np.all(np.asarray(average["weight"])[np.eye(4, dtype=bool)] == 0)  # c' ≠ c
    assert np.all(np.isfinite(np.asarray(average["terms"])))
    resumes_bit_for_bit(recipe, workdir, state, latest=6)


def test_sample_puts_each_test_image_into_every_domain(straight_run, recipe):
    _, state = straight_run
    key, n = jax.random.PRNGKey(0), recipe.config.num_samples  # the grids' n: compiled once
    samples = recipe.sample(state, key, n)
    test = np.concatenate([b["image"] for b in recipe.dataset("test").epoch(512)])
    assert len(test) <= stargan.SAMPLE_POOL  # digits: all 359 test images are the pool
    order = np.asarray(jax.random.permutation(key, len(test)))
    targets = np.arange(n) % 4
    np.testing.assert_array_equal(samples["label"], targets)
    expected = stargan.translate(recipe, state, test[order[np.arange(n) // 4]], targets)
    np.testing.assert_allclose(samples["image"], expected, atol=1e-6)
    with pytest.raises(UserError, match="domains must be in"):
        stargan.translate(recipe, state, test[:2], 4)


def test_translate_via_a_domain_is_two_hops_of_the_one_generator(straight_run, recipe):
    _, state = straight_run
    images = np.concatenate([b["image"] for b in recipe.dataset("test").epoch(512)])[:8]
    targets = np.arange(8) % 4
    via = 0
    pivot = np.asarray(stargan.translate(recipe, state, images, via))
    two_hops = np.asarray(stargan.translate(recipe, state, pivot, targets))
    expected = np.where((targets == via)[:, None, None, None], pivot, two_hops)
    got = stargan.translate(recipe, state, images, targets, via=via)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    direct = np.asarray(stargan.translate(recipe, state, images, targets))
    assert np.abs(direct - expected)[targets != via].max() > 1e-3  # the hops change something
    with pytest.raises(UserError, match="domains must be in"):
        stargan.translate(recipe, state, images, targets, via=4)


def test_config_errors_speak_to_the_user():
    with pytest.raises(UserError, match="d_downsamplings"):
        FACTORIES["stargan_digits"](preset="tiny", d_downsamplings=3)
    with pytest.raises(UserError, match="num_domains"):
        FACTORIES["stargan_digits"](preset="tiny", num_domains=5)
    with pytest.raises(UserError, match="g_spatial_mixing=true"):
        FACTORIES["stargan_digits"](preset="tiny", g_mixing_shared=True)
    with pytest.raises(UserError, match="g_skips=true"):
        FACTORIES["stargan_digits"](preset="tiny", g_spatial_mixing=True, g_mixing_skips=True)
    with pytest.raises(UserError, match="g_mixing_init_scale"):
        FACTORIES["stargan_digits"](preset="tiny", g_mixing_init_scale=-1.0)
    with pytest.raises(UserError, match="g_input_warps"):
        FACTORIES["stargan_digits"](preset="tiny", g_input_warps=-1)
    with pytest.raises(UserError, match="g_turns"):
        FACTORIES["stargan_digits"](preset="tiny", g_turns=-4)
    with pytest.raises(UserError, match="fake_class_weight"):
        FACTORIES["stargan_digits"](preset="tiny", fake_class_weight=-1.0)
    for alone in ({"g_pair_turns": 4}, {"source_weight": 1.0}):
        with pytest.raises(UserError, match="go together"):
            FACTORIES["stargan_digits"](preset="tiny", **alone)
    for alone in ({"g_pair_layout": True}, {"g_pair_poses": True}, {"g_pair_table_scale": 50.0}):
        with pytest.raises(UserError, match="add --set g_pair_turns=4"):
            FACTORIES["stargan_digits"](preset="tiny", **alone)
    with pytest.raises(UserError, match="add --set turn_choice_weight=1"):
        FACTORIES["stargan_digits"](preset="tiny", g_pair_turns=4, source_weight=1.0,
                                    turn_choice_pair_decay=0.9)  # fmt: skip
    choice = {"g_pair_turns": 4, "source_weight": 1.0, "turn_choice_weight": 1.0}
    with pytest.raises(UserError, match="add --set turn_choice_pair_decay=0.99"):
        FACTORIES["stargan_digits"](preset="tiny", **choice, turn_choice_poses=True)
    with pytest.raises(UserError, match="add --set turn_choice_poses=true"):
        FACTORIES["stargan_digits"](
            preset="tiny", **choice, turn_choice_pair_decay=0.9, turn_choice_turn_cost=1.0
        )
    with pytest.raises(UserError, match=r"turn_choice_pair_decay must be in \[0, 1\)"):
        FACTORIES["stargan_digits"](preset="tiny", g_pair_turns=4, source_weight=1.0,
                                    turn_choice_weight=1.0, turn_choice_pair_decay=1.0)  # fmt: skip
    with pytest.raises(UserError, match="g_pair_table_scale must be positive"):
        FACTORIES["stargan_digits"](preset="tiny", g_pair_turns=4, source_weight=1.0,
                                    g_pair_table_scale=0.0)  # fmt: skip


MULTI_LABEL = {"attributes": "rotated,inverted", "num_domains": 2}


def test_multi_label_digits_train_resume_exactly_and_sample_each_attribute_flipped(
    tmp_path, resumes_bit_for_bit
):
    recipe = FACTORIES["stargan_digits"](
        preset="tiny", **MULTI_LABEL, identity_weight=1.0, steps=6, checkpoint_every=3,
        sample_every=6, log_every=3,
    )  # fmt: skip
    batch = recipe.dataset("train").batch(0)
    assert batch["attributes"].shape == (8, 2) and "domain" not in batch
    workdir = tmp_path / "straight"
    state = train(recipe, str(workdir), progress=False)
    records = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    for name in ("loss_g", "loss_d", "class_loss_real", "class_fake", "identity"):
        assert np.isfinite(records[-1][name]), name
    assert 0 <= records[-1]["class_real"] <= 1
    resumes_bit_for_bit(recipe, workdir, state, latest=6)

    key, n = jax.random.PRNGKey(2), 6
    samples = recipe.sample(state, key, n)
    test = next(recipe.dataset("test").epoch(512))
    rows = np.asarray(jax.random.permutation(key, len(test["image"])))[np.arange(n) // 2]
    flipped = test["attributes"][rows].copy()
    flipped[np.arange(n), np.arange(n) % 2] = 1 - flipped[np.arange(n), np.arange(n) % 2]
    expected = stargan.translate(recipe, state, test["image"][rows], flipped)
    np.testing.assert_array_equal(samples["label"], np.arange(n) % 2)
    np.testing.assert_allclose(samples["image"], expected, atol=1e-6)
    with pytest.raises(UserError, match="0/1 vectors of the 2 attributes rotated, inverted"):
        stargan.translate(recipe, state, test["image"][:2], [1, 0, 1])
    with pytest.raises(UserError, match="via translates between int domains"):
        stargan.translate(recipe, state, test["image"][:2], [1, 0], via=0)


def test_celeba_samples_set_one_hair_colour_and_flip_the_others(tmp_path):
    """The paper's test-time targets: a hair colour is set (the other two cleared), male and
    young are flipped; on mock celeb_a."""
    recipe = FACTORIES["stargan_celeba"](preset="tiny")
    assert stargan.exclusive_indices(recipe.config) == (0, 1, 2)
    state = jax.jit(recipe.init)(jax.random.PRNGKey(0), recipe.example_batch())
    key, n = jax.random.PRNGKey(1), 10
    with tfds.testing.mock_data(num_examples=12):
        samples = recipe.sample(state, key, n)
        test = next(recipe.dataset("test").epoch(512))
    rows = np.asarray(jax.random.permutation(key, 12))[np.arange(n) // 5]
    targets = test["attributes"][rows].copy()
    for i, column in enumerate(np.arange(n) % 5):
        if column < 3:
            targets[i, :3] = np.eye(3)[column]
        else:
            targets[i, column] = 1 - targets[i, column]
    expected = stargan.translate(recipe, state, test["image"][rows], targets)
    np.testing.assert_allclose(samples["image"], expected, atol=1e-6)


def test_multi_label_config_errors_speak_to_the_user():
    with pytest.raises(UserError, match="add --set num_domains=2"):
        FACTORIES["stargan_digits"](preset="tiny", attributes="rotated,inverted")
    with pytest.raises(UserError, match="unknown digit attribute 'rotate'"):
        FACTORIES["stargan_digits"](preset="tiny", attributes="rotate,inverted", num_domains=2)
    with pytest.raises(UserError, match="exclusive_attributes thickened are not among"):
        FACTORIES["stargan_digits"](preset="tiny", **MULTI_LABEL, exclusive_attributes="thickened")
    with pytest.raises(UserError, match="g_pair_turns, source_weight choose per target domain"):
        FACTORIES["stargan_digits"](preset="tiny", **MULTI_LABEL, g_pair_turns=4, source_weight=1.0)
    with pytest.raises(UserError, match="tfds:celeb_a has no digit domains: name its attributes"):
        FACTORIES["stargan_celeba"](preset="tiny", attributes="", num_domains=4)


def test_input_warps_key_puts_the_warp_in_the_generator():
    recipe = FACTORIES["stargan_digits"](preset="tiny", g_input_warps=2)
    params = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), recipe.example_batch()).params
    assert params.g["InputWarp_0"]["maps"].shape == (2, 64, 64)  # 8×8 positions
    recipe = FACTORIES["stargan_digits"](preset="tiny", g_rigid_warp=True)
    params = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), recipe.example_batch()).params
    assert params.g["RigidWarp_0"]["Dense_0"]["kernel"].shape == (32, 3)  # angle and shift
    recipe = FACTORIES["stargan_digits"](preset="tiny", g_turns=4)
    params = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), recipe.example_batch()).params
    assert params.g["TurnMixture_0"]["Dense_0"]["kernel"].shape == (32, 4)  # one gate per turn
    recipe = FACTORIES["stargan_digits"](preset="tiny", g_pair_turns=4, source_weight=1.0)
    params = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), recipe.example_batch()).params
    assert params.g["PairTurns_0"]["table"].shape == (4, 4, 4)  # source × target × turn
    recipe = FACTORIES["stargan_digits"](preset="tiny", fake_class_weight=1.0)
    params = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), recipe.example_batch()).params
    classifier = [k for k in params.d if k.startswith("Conv")][-1]
    assert params.d[classifier]["kernel"].shape[-1] == 5  # 4 domains and "a translation"
    recipe = FACTORIES["stargan_digits"](
        preset="tiny", g_pair_turns=4, source_weight=1.0, g_pair_layout=True
    )
    params = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), recipe.example_batch()).params
    assert params.g["PairTurns_0"]["Dense_0"]["kernel"].shape == (2 * 2 * 32, 4)  # 2×2 positions
    recipe = FACTORIES["stargan_digits"](
        preset="tiny", g_pair_turns=4, source_weight=1.0, g_pair_poses=True
    )
    params = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), recipe.example_batch()).params
    assert params.g["PairTurns_0"]["poses"].shape == (3, 4)  # the first domain's pose is 0°


def test_the_paper_celeba_setting_traces_at_full_size():
    """``stargan_celeba``'s default config (128², the paper's widths, five attributes, five
    critic updates a step) builds, and one step traces to the shapes it takes (not trained:
    no CelebA and no accelerator here)."""
    recipe = FACTORIES["stargan_celeba"]()
    config = recipe.config
    assert (config.image_size, config.channels, config.num_domains, config.d_steps) == (
        128, 3, 5, 5,
    )  # fmt: skip
    example = recipe.example_batch()
    assert example["attributes"].shape == (16, 5) and "label" not in example
    state = jax.eval_shape(recipe.init, jax.random.PRNGKey(0), example)
    assert state.params.g["Conv_0"]["kernel"].shape == (7, 7, 3 + 5, 64)  # image and c'
    stacked = jax.tree.map(
        lambda x: jax.ShapeDtypeStruct((5, *x.shape), x.dtype), example
    )  # one batch per critic update
    new_state, metrics = jax.eval_shape(recipe.step, state, stacked)
    assert jax.tree.map(lambda x: x.shape, new_state.params) == jax.tree.map(
        lambda x: x.shape, state.params
    )
    assert metrics["class_fake"].shape == ()
