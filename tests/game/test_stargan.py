"""The StarGAN game against a hand computation, its target domains, and its networks' shapes."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.game import stargan
from jaxgen.nn.stargan import (
    InputWarp,
    PairTurns,
    SpatialMixing,
    StarGANDiscriminator,
    StarGANGenerator,
    TurnMixture,
    turn_and_shift,
)
from jaxgen.types import Pair


class ScaleShift(nn.Module):
    """G(x, c) = a[c]·x + b[c]: a generator whose translations are easy to write by hand."""

    num_domains: int

    @nn.compact
    def __call__(self, images, domains):
        a = self.param("a", nn.initializers.ones, (self.num_domains,))
        b = self.param("b", nn.initializers.zeros, (self.num_domains,))
        return a[domains][:, None, None, None] * images + b[domains][:, None, None, None]


class QuadraticCritic(nn.Module):
    """Patch outputs w ⊙ x² (one patch per pixel, so D_src(x) = mean w ⊙ x² and
    ∇_x D_src = 2 w ⊙ x / #pixels) and linear domain logits x·V."""

    num_domains: int

    @nn.compact
    def __call__(self, images):
        w = self.param("w", nn.initializers.normal(1.0), images.shape[1:])
        v = self.param("v", nn.initializers.normal(1.0), (images[0].size, self.num_domains))
        return w * images**2, images.reshape(images.shape[0], -1) @ v


def _cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels]


def games_at(generator, critic, params, batch, key, **setting):
    """The 2-domain game's ``(losses, (model_state, metrics))`` at each value of the one keyword
    in ``setting`` (e.g. ``identity_weight=(0.0, 2.5)``), compiled once."""
    ((name, values),) = setting.items()

    @jax.jit
    def run(params, batch):
        return [
            stargan.stargan(generator, critic, num_domains=2, **{name: value})(
                params, Pair({}, {}), batch, key
            )
            for value in values
        ]

    return run(params, batch)


def test_losses_equal_a_hand_computation():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3, 2, 2, 1)).astype(np.float32)
    source = np.array([0, 1, 1], np.int32)
    a, b = np.array([0.5, -1.5], np.float32), np.array([0.1, 0.3], np.float32)
    w = rng.normal(size=(2, 2, 1)).astype(np.float32)
    v = rng.normal(size=(4, 2)).astype(np.float32)
    params = Pair({"a": a, "b": b}, {"w": w, "v": v})
    game = jax.jit(stargan.stargan(ScaleShift(2), QuadraticCritic(2), num_domains=2))
    key = jax.random.PRNGKey(7)
    (loss_g, loss_d), (state, metrics) = game(
        params, Pair({}, {}), {"image": x, "domain": source}, key
    )
    assert state == Pair({}, {})

    # With two domains the target is the other one; by hand, in float64:
    target = 1 - source
    x64, a64, b64, w64, v64 = (np.float64(t) for t in (x, a, b, w, v))

    def g(images, domains):
        return a64[domains][:, None, None, None] * images + b64[domains][:, None, None, None]

    def score(images):
        return (w64 * images**2).reshape(3, -1).mean(axis=1)

    fake = g(x64, target)
    reconstruction = np.abs(x64 - g(fake, source)).mean()
    class_real = _cross_entropy(x64.reshape(3, -1) @ v64, source).mean()
    class_fake = _cross_entropy(fake.reshape(3, -1) @ v64, target).mean()
    _, penalty_key = jax.random.split(key)
    eps = np.float64(jax.random.uniform(penalty_key, (3, 1, 1, 1)))
    interpolates = eps * x64 + (1 - eps) * fake
    gradient = 2 * w64 * interpolates / 4
    penalty = (np.sqrt((gradient**2).reshape(3, -1).sum(axis=1)) - 1) ** 2
    expected_d = np.mean(score(fake) - score(x64)) + 10 * penalty.mean() + class_real
    expected_g = -score(fake).mean() + class_fake + 10 * reconstruction

    np.testing.assert_allclose(metrics["reconstruction"], reconstruction, rtol=1e-6)
    np.testing.assert_allclose(metrics["class_loss_real"], class_real, rtol=1e-5)
    np.testing.assert_allclose(metrics["class_loss_fake"], class_fake, rtol=1e-5)
    np.testing.assert_allclose(metrics["d_penalty"], penalty.mean(), rtol=1e-5)
    np.testing.assert_allclose(loss_d, expected_d, rtol=1e-5)
    np.testing.assert_allclose(loss_g, expected_g, rtol=1e-5)
    real_logits = x64.reshape(3, -1) @ v64
    np.testing.assert_allclose(metrics["class_real"], np.mean(real_logits.argmax(1) == source))


class AttributeShift(nn.Module):
    """G(x, c) = x + Σ_k c_k·b_k: a generator of attribute vectors c ``[B, K]``."""

    num_domains: int

    @nn.compact
    def __call__(self, images, attributes):
        b = self.param("b", nn.initializers.zeros, (self.num_domains,))
        return images + (attributes @ b)[:, None, None, None]


def _sigmoid_cross_entropy(logits, labels):
    """−[y log σ(l) + (1 − y) log(1 − σ(l))] per entry, in float64."""
    return -(
        labels * np.log(1 / (1 + np.exp(-logits))) + (1 - labels) * np.log(1 / (1 + np.exp(logits)))
    )


def test_multi_label_losses_equal_a_hand_computation():
    """The paper's CelebA form: targets the batch's vectors shuffled, one sigmoid cross-entropy
    per attribute summed over attributes, reconstruction to the source vector."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (4, 2, 2, 1)).astype(np.float32)
    source = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]], np.float32)
    b = np.array([0.2, -0.4, 0.7], np.float32)
    w = rng.normal(size=(2, 2, 1)).astype(np.float32)
    v = rng.normal(size=(4, 3)).astype(np.float32)
    params = Pair({"b": b}, {"w": w, "v": v})
    game = stargan.stargan(
        AttributeShift(3), QuadraticCritic(3), num_domains=3, multi_label=True,
        identity_weight=2.0, domain_key="attributes",
    )  # fmt: skip
    key = jax.random.PRNGKey(3)
    (loss_g, loss_d), (_, metrics) = jax.jit(game)(
        params, Pair({}, {}), {"image": x, "attributes": source}, key
    )
    target_key, penalty_key = jax.random.split(key)
    order = np.asarray(jax.random.permutation(target_key, 4))
    assert sorted(order) == [0, 1, 2, 3]
    target = source[order]
    x64, b64, w64, v64 = (np.float64(t) for t in (x, b, w, v))

    def g(images, attributes):
        return images + (attributes @ b64)[:, None, None, None]

    def score(images):
        return (w64 * images**2).reshape(4, -1).mean(axis=1)

    def logits(images):
        return images.reshape(4, -1) @ v64

    fake = g(x64, target)
    reconstruction = np.abs(x64 - g(fake, source)).mean()
    identity = np.abs(x64 - g(x64, source)).mean()
    class_real = _sigmoid_cross_entropy(logits(x64), source).sum(axis=1).mean()
    class_fake = _sigmoid_cross_entropy(logits(fake), target).sum(axis=1).mean()
    eps = np.float64(jax.random.uniform(penalty_key, (4, 1, 1, 1)))
    gradient = 2 * w64 * (eps * x64 + (1 - eps) * fake) / 4
    penalty = (np.sqrt((gradient**2).reshape(4, -1).sum(axis=1)) - 1) ** 2
    expected_d = np.mean(score(fake) - score(x64)) + 10 * penalty.mean() + class_real
    expected_g = -score(fake).mean() + class_fake + 10 * reconstruction + 2 * identity
    np.testing.assert_allclose(metrics["class_loss_real"], class_real, rtol=1e-5)
    np.testing.assert_allclose(metrics["class_loss_fake"], class_fake, rtol=1e-5)
    np.testing.assert_allclose(metrics["reconstruction"], reconstruction, rtol=1e-5)
    np.testing.assert_allclose(loss_d, expected_d, rtol=1e-5)
    np.testing.assert_allclose(loss_g, expected_g, rtol=1e-5)
    np.testing.assert_allclose(metrics["class_real"], np.mean((logits(x64) > 0) == source))
    np.testing.assert_allclose(metrics["class_fake"], np.mean((logits(fake) > 0) == target))


def test_multi_label_game_refuses_int_domains_and_the_exclusive_options():
    game = stargan.stargan(AttributeShift(3), QuadraticCritic(3), num_domains=3, multi_label=True)
    params = Pair({"b": np.zeros(3, np.float32)}, {"w": np.ones((2, 2, 1)), "v": np.ones((4, 3))})
    batch = {"image": np.zeros((2, 2, 2, 1), np.float32), "domain": np.array([0, 1], np.int32)}
    with pytest.raises(ValueError, match=r"attribute vectors \[B, K\]"):
        game(params, Pair({}, {}), batch, jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="fake_class_weight need exclusive int domains"):
        stargan.stargan(
            ScaleShift(3), QuadraticCritic(3), num_domains=3, multi_label=True,
            fake_class_weight=1.0,
        )  # fmt: skip


def test_target_attributes_are_the_batchs_vectors_in_a_drawn_order():
    attributes = jnp.asarray(np.random.default_rng(0).integers(0, 2, (64, 5)), jnp.float32)
    first = np.asarray(stargan.target_attributes(jax.random.PRNGKey(0), attributes))
    again = np.asarray(stargan.target_attributes(jax.random.PRNGKey(0), attributes))
    other = np.asarray(stargan.target_attributes(jax.random.PRNGKey(1), attributes))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    as_rows = sorted(map(tuple, np.asarray(attributes)))
    assert sorted(map(tuple, first)) == as_rows  # a permutation of the rows


def test_target_domains_differ_from_the_source_and_cover_the_others():
    source = jnp.asarray(np.arange(4000) % 4, jnp.int32)
    target = np.asarray(stargan.target_domains(jax.random.PRNGKey(0), source, 4))
    assert np.all(target != np.asarray(source))
    for c in range(4):  # each of the 3 others about 1/3 of the time (1000 draws per source)
        counts = np.bincount(target[np.asarray(source) == c], minlength=4)
        assert counts[c] == 0 and np.all(np.abs(np.delete(counts, c) - 1000 / 3) < 60), counts
    with pytest.raises(ValueError, match="at least 2 domains"):
        stargan.stargan(ScaleShift(1), QuadraticCritic(1), num_domains=1)


def test_networks_read_the_target_domain_and_have_two_heads():
    generator = StarGANGenerator(3, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3)
    discriminator = StarGANDiscriminator(3, width=4, num_downsamplings=2)
    images = jax.random.uniform(jax.random.PRNGKey(0), (2, 8, 8, 1), minval=-1, maxval=1)

    @jax.jit  # one compilation instead of one per operation
    def run(images):
        domains = jnp.array([0, 2], jnp.int32)
        params = stargan.init_params(
            generator, discriminator, jax.random.PRNGKey(1), images, domains
        )
        out = stargan.translate(generator, params.g, images, domains)
        other = stargan.translate(generator, params.g, images, jnp.array([1, 2], jnp.int32))
        return out, other, discriminator.apply({"params": params.d}, images)

    out, other, (patches, logits) = run(images)
    assert out.shape == images.shape and float(jnp.max(jnp.abs(out))) <= 1
    assert not np.allclose(out[0], other[0]) and np.allclose(out[1], other[1])
    assert patches.shape == (2, 2, 2, 1) and logits.shape == (2, 3)
    with pytest.raises(ValueError, match="divisible"):
        jax.eval_shape(generator.init, jax.random.PRNGKey(0), images[:, :7, :7], images[:, 0, 0, 0])


def test_generator_reads_attribute_vectors_as_its_one_hot_channels():
    """An attribute vector that is a one-hot gives the int domain's translation; several
    attributes at once give another; warps need ints."""
    generator = StarGANGenerator(3, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3)
    images = jax.random.uniform(jax.random.PRNGKey(0), (2, 8, 8, 1), minval=-1, maxval=1)
    domains = jnp.array([0, 2], jnp.int32)
    params = generator.init(jax.random.PRNGKey(1), images, domains)["params"]
    apply = jax.jit(lambda c: generator.apply({"params": params}, images, c))
    by_int = apply(domains)
    by_vector = apply(jax.nn.one_hot(domains, 3))
    both = apply(jnp.array([[1, 0, 1], [1, 0, 1]], jnp.float32))
    np.testing.assert_allclose(by_vector, by_int, atol=1e-6)
    assert np.abs(both - by_int).max() > 1e-3
    with pytest.raises(ValueError, match=r"attribute vectors must be \[batch, 3\]"):
        generator.apply({"params": params}, images, jnp.ones((2, 4)))
    warped = StarGANGenerator(3, width=4, num_downsamplings=1, num_blocks=1, turns=4)
    with pytest.raises(ValueError, match="need int domains"):
        jax.eval_shape(warped.init, jax.random.PRNGKey(0), images, jnp.ones((2, 3)))


def test_skips_give_the_decoder_the_encoders_features_of_the_same_resolution():
    images, domains = jnp.zeros((2, 8, 8, 1)), jnp.zeros((2,), jnp.int32)
    kernels = {}
    for skips in (False, True):
        generator = StarGANGenerator(
            3, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3, skips=skips
        )
        params = jax.eval_shape(generator.init, jax.random.PRNGKey(0), images, domains)["params"]
        kernels[skips] = params["Conv_2"]["kernel"].shape  # the last convolution
    # 4 upsampled channels, plus the first convolution's 4 at 8×8 with skips
    assert kernels == {False: (3, 3, 4, 1), True: (3, 3, 8, 1)}


def test_identity_term_adds_the_own_domain_translation_error():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (3, 2, 2, 1)).astype(np.float32)
    source = np.array([0, 1, 1], np.int32)
    a, b = np.array([0.5, -1.5], np.float32), np.array([0.1, 0.3], np.float32)
    params = Pair(
        {"a": a, "b": b},
        {"w": rng.normal(size=(2, 2, 1)).astype(np.float32), "v": np.ones((4, 2), np.float32)},
    )
    batch, key = {"image": x, "domain": source}, jax.random.PRNGKey(3)

    without, with_term = games_at(
        ScaleShift(2), QuadraticCritic(2), params, batch, key, identity_weight=(0.0, 2.5)
    )
    ((loss_g0, loss_d0), _), ((loss_g, loss_d), (_, metrics)) = without, with_term
    # by hand, in float64: G(x, c) = a[c]·x + b[c] with each example's own domain c
    x64, a64, b64 = np.float64(x), np.float64(a)[source], np.float64(b)[source]
    own = a64[:, None, None, None] * x64 + b64[:, None, None, None]
    identity = np.abs(x64 - own).mean()
    np.testing.assert_allclose(metrics["identity"], identity, rtol=1e-6)
    np.testing.assert_allclose(loss_g - loss_g0, 2.5 * identity, rtol=1e-5, atol=1e-5)
    assert loss_d == loss_d0  # the critic's loss does not see it


def test_fake_class_term_asks_d_cls_to_call_translations_translations():
    rng = np.random.default_rng(6)
    x = rng.uniform(-1, 1, (3, 2, 2, 1)).astype(np.float32)
    source = np.array([0, 1, 1], np.int32)
    a, b = np.array([0.5, -1.5], np.float32), np.array([0.1, 0.3], np.float32)
    v = rng.normal(size=(4, 3)).astype(np.float32)  # K + 1 = 3 domain logits
    params = Pair({"a": a, "b": b}, {"w": rng.normal(size=(2, 2, 1)).astype(np.float32), "v": v})
    batch, key = {"image": x, "domain": source}, jax.random.PRNGKey(7)

    # 1e-9: the same K + 1 logits, the term ~ 0
    without, with_term = games_at(
        ScaleShift(2), QuadraticCritic(3), params, batch, key, fake_class_weight=(1e-9, 0.7)
    )
    ((loss_g0, loss_d0), _), ((loss_g, loss_d), (_, metrics)) = without, with_term
    # by hand, in float64: with 2 domains the target is the other one; G(x, c) = a[c]·x + b[c]
    target = 1 - source
    fake = np.float64(a)[target, None, None, None] * x + np.float64(b)[target, None, None, None]
    logits = fake.reshape(3, -1) @ np.float64(v)
    caught = _cross_entropy(logits, np.full(3, 2)).mean()
    np.testing.assert_allclose(loss_d - loss_d0, 0.7 * caught, rtol=1e-4, atol=1e-5)
    assert loss_g == loss_g0  # G's class term is the target's cross-entropy, as without it
    assert metrics["fake_caught"] == np.mean(logits.argmax(1) == 2)
    with pytest.raises(ValueError, match="needs 3 domain logits"):
        game = stargan.stargan(
            ScaleShift(2), QuadraticCritic(2), num_domains=2, fake_class_weight=1.0
        )
        game(Pair({"a": a, "b": b}, {**params.d, "v": v[:, :2]}), Pair({}, {}), batch, key)


class SowingScaleShift(ScaleShift):
    """ScaleShift that also sows source logits x·U, as ``PairTurns`` does."""

    @nn.compact
    def __call__(self, images, domains):
        u = self.param("u", nn.initializers.normal(1.0), (images[0].size, self.num_domains))
        self.sow("intermediates", "source_logits", images.reshape(images.shape[0], -1) @ u)
        return super().__call__(images, domains)


def test_source_term_adds_the_cross_entropy_of_the_sown_source_logits():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (3, 2, 2, 1)).astype(np.float32)
    source = np.array([0, 1, 1], np.int32)
    u = rng.normal(size=(4, 2)).astype(np.float32)
    params = Pair(
        {"a": np.array([0.5, -1.5], np.float32), "b": np.array([0.1, 0.3], np.float32), "u": u},
        {"w": rng.normal(size=(2, 2, 1)).astype(np.float32), "v": np.ones((4, 2), np.float32)},
    )
    batch, key = {"image": x, "domain": source}, jax.random.PRNGKey(3)

    without, with_term = games_at(
        SowingScaleShift(2), QuadraticCritic(2), params, batch, key, source_weight=(0.0, 0.7)
    )
    ((loss_g0, loss_d0), _), ((loss_g, loss_d), (_, metrics)) = without, with_term
    logits = np.float64(x).reshape(3, -1) @ np.float64(u)  # G sows them for the real images
    expected = _cross_entropy(logits, source).mean()
    np.testing.assert_allclose(metrics["source_loss"], expected, rtol=1e-5)
    np.testing.assert_allclose(loss_g - loss_g0, 0.7 * expected, rtol=1e-5, atol=1e-5)
    assert metrics["source_accuracy"] == np.mean(logits.argmax(1) == source)
    assert loss_d == loss_d0
    game = stargan.stargan(ScaleShift(2), QuadraticCritic(2), num_domains=2, source_weight=1.0)
    with pytest.raises(ValueError, match="sows one 'source_logits'"):
        game(params, Pair({}, {}), batch, key)


class TurningScaleShift(ScaleShift):
    """G(x, c) = a[c]·Σ_k g_k·rot90(x, k) + b[c] with gates g = softmax(u), sown as
    ``PairTurns`` sows them; ``turn`` forces one quarter turn."""

    @nn.compact
    def __call__(self, images, domains, turn=None):
        u = self.param("u", nn.initializers.normal(1.0), (4,))
        gates = jnp.broadcast_to(jax.nn.softmax(u), (images.shape[0], 4))
        if turn is None:
            self.sow("intermediates", "gates", gates)
        else:
            gates = jax.nn.one_hot(turn, 4)
        turned = jnp.stack([jnp.rot90(images, k, axes=(1, 2)) for k in range(4)], 1)
        return super().__call__(jnp.einsum("bk,bkhwc->bhwc", gates, turned), domains)


def _turn_terms(x, target, params):
    """By hand, in float64: −D_src + CE of ``TurningScaleShift`` forced to each turn ``[B, 4]``."""
    a, b = np.float64(params.g["a"]), np.float64(params.g["b"])
    w, v = np.float64(params.d["w"]), np.float64(params.d["v"])
    terms = np.zeros((len(x), 4))
    for k in range(4):
        turned = np.rot90(np.float64(x), k, axes=(1, 2))
        fake = a[target, None, None, None] * turned + b[target, None, None, None]
        score = (w * fake**2).reshape(len(x), -1).mean(1)
        terms[:, k] = -score + _cross_entropy(fake.reshape(len(x), -1) @ v, target)
    return terms


def test_turn_choice_term_trains_the_gates_towards_the_critics_best_turn():
    rng = np.random.default_rng(9)
    x = rng.uniform(-1, 1, (4, 2, 2, 1)).astype(np.float32)
    source = np.array([0, 1, 1, 0], np.int32)
    a, b = np.array([0.5, -1.5], np.float32), np.array([0.1, 0.3], np.float32)
    u = rng.normal(size=4).astype(np.float32)
    w, v = rng.normal(size=(2, 2, 1)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)
    params = Pair({"a": a, "b": b, "u": u}, {"w": w, "v": v})
    batch, key = {"image": x, "domain": source}, jax.random.PRNGKey(5)

    def g_loss(weight, margin=0.0):
        game = stargan.stargan(
            TurningScaleShift(2),
            QuadraticCritic(2),
            num_domains=2,
            turn_choice_weight=weight,
            turn_choice_margin=margin,
        )
        return lambda g: game(Pair(g, params.d), Pair({}, {}), batch, key)[0].g

    terms = _turn_terms(x, 1 - source, params)  # by hand; the target is the other domain
    best = terms.argmin(1)
    assert len(set(best)) > 1  # the examples disagree: the term is a mean over them
    gates = np.exp(u - u.max()) / np.exp(u - u.max()).sum()
    expected = -np.log(gates[best]).mean()
    loss_g0, loss_g = g_loss(0.0)(params.g), g_loss(0.7)(params.g)
    np.testing.assert_allclose(loss_g - loss_g0, 0.7 * expected, rtol=1e-5, atol=1e-5)
    # its gradient reaches the gates alone: (g − one-hot(k*)) averaged, not a or b
    grad0, grad = jax.grad(g_loss(0.0))(params.g), jax.grad(g_loss(0.7))(params.g)
    expected_u = 0.7 * (gates - np.eye(4)[best]).mean(0)
    np.testing.assert_allclose(grad["u"] - grad0["u"], expected_u, atol=1e-5)
    np.testing.assert_allclose(grad["a"], grad0["a"], atol=1e-6)
    # with a margin, only the examples whose best turn wins by it count (the mean is over all)
    gaps = np.diff(np.sort(terms, 1)[:, :2], axis=1)[:, 0]
    margin = float(np.median(gaps))
    decisive = gaps >= margin
    assert 0 < decisive.sum() < 4
    expected = -(decisive * np.log(gates[best])).sum() / 4
    np.testing.assert_allclose(
        g_loss(0.7, margin)(params.g) - loss_g0, 0.7 * expected, rtol=1e-5, atol=1e-5
    )
    game = stargan.stargan(ScaleShift(2), QuadraticCritic(2), num_domains=2, turn_choice_weight=1.0)
    with pytest.raises(ValueError, match="sows one 'gates'"):
        game(Pair({"a": a, "b": b}, params.d), Pair({}, {}), batch, key)


def test_turn_choice_per_pair_learns_every_example_of_a_pair_towards_its_averaged_best():
    rng = np.random.default_rng(11)
    x = rng.uniform(-1, 1, (6, 2, 2, 1)).astype(np.float32)
    source = np.array([0, 1, 1, 0, 1, 0], np.int32)
    u = rng.normal(size=4).astype(np.float32)
    params = Pair(
        {"a": np.float32([0.5, -1.5]), "b": np.float32([0.1, 0.3]), "u": u},
        {"w": rng.normal(size=(2, 2, 1)).astype(np.float32),
         "v": rng.normal(size=(4, 2)).astype(np.float32)},
    )  # fmt: skip
    decay = 0.75
    before = {  # (0 → 1) seen before, (1 → 0) never: only this batch's mean is known for it
        "terms": jnp.zeros((2, 2, 4)).at[0, 1].set(jnp.array([3.0, -2.0, 0.5, 1.0])),
        "weight": jnp.array([[0.0, 0.4], [0.0, 0.0]]),
    }
    game = stargan.stargan(
        TurningScaleShift(2), QuadraticCritic(2), num_domains=2, turn_choice_weight=0.7,
        turn_choice_pair_decay=decay,
    )  # fmt: skip
    plain = stargan.stargan(TurningScaleShift(2), QuadraticCritic(2), num_domains=2)
    batch, key = {"image": x, "domain": source}, jax.random.PRNGKey(5)
    model_state = Pair({"turn_choice": before}, {})
    losses, (after, metrics) = game(params, model_state, batch, key)
    plain_g = plain(params, Pair({}, {}), batch, key)[0].g
    # by hand: each direction's mean of this batch enters its EMA, bias-corrected by its weight
    target = 1 - source
    terms = _turn_terms(x, target, params)
    mean = {}
    for s, t in ((0, 1), (1, 0)):
        step = terms[source == s].mean(0)
        ema = decay * np.float64(before["terms"][s, t]) + (1 - decay) * step
        weight = decay * float(before["weight"][s, t]) + (1 - decay)
        np.testing.assert_allclose(after.g["turn_choice"]["terms"][s, t], ema, rtol=1e-5)
        np.testing.assert_allclose(after.g["turn_choice"]["weight"][s, t], weight, rtol=1e-6)
        mean[s, t] = ema / weight
    back = [0, 3, 2, 1]  # turning by k one way is turning by −k the other
    best = {(0, 1): np.argmin(mean[0, 1] + mean[1, 0][back]),
            (1, 0): np.argmin(mean[1, 0] + mean[0, 1][back])}  # fmt: skip
    assert best[1, 0] == back[best[0, 1]]  # the two directions choose inverse turns
    chosen = np.array([best[s, 1 - s] for s in source])
    assert np.any(terms.argmin(1) != chosen)  # not what a choice per example would train
    gates = np.exp(u - u.max()) / np.exp(u - u.max()).sum()
    expected = -np.log(gates[chosen]).mean()
    np.testing.assert_allclose(losses.g - plain_g, 0.7 * expected, rtol=1e-5)
    assert float(metrics["turn_choice_decisive"]) == 1.0

    def poses_loss(cost):
        posed = stargan.stargan(
            TurningScaleShift(2), QuadraticCritic(2), num_domains=2, turn_choice_weight=0.7,
            turn_choice_pair_decay=decay, turn_choice_poses=True, turn_choice_turn_cost=cost,
        )  # fmt: skip
        return posed(params, model_state, batch, key)[0].g - plain_g

    # two domains have one pair: the poses choose as the pair does, or, priced, do not turn
    assert best[0, 1] != 0
    np.testing.assert_allclose(poses_loss(0.0), 0.7 * expected, rtol=1e-5)
    np.testing.assert_allclose(poses_loss(1e3), 0.7 * -np.log(gates[0]), rtol=1e-5)
    # without the average in the model state the error says how to make it
    with pytest.raises(ValueError, match="init_model_state"):
        game(params, Pair({}, {}), batch, key)
    assert stargan.init_model_state(2, 4, decay).g["turn_choice"]["terms"].shape == (2, 2, 4)
    assert stargan.init_model_state(2, 4, 0.0) == Pair({}, {})


def test_pair_turns_look_up_the_turn_of_the_estimated_source_and_the_target():
    images = np.random.default_rng(10).uniform(-1, 1, (3, 6, 6, 1)).astype(np.float32)
    targets = jnp.array([1, 0, 1])
    layer = PairTurns(2, num_turns=4)
    variables = layer.init(jax.random.PRNGKey(0), images, targets)
    params = jax.tree.map(lambda v: v, variables["params"])
    # the source head says "domain 1" for every image; table[1, 1] picks the quarter turn
    dense = params["Dense_0"]
    params["Dense_0"] = {
        "kernel": jnp.zeros_like(dense["kernel"]),
        "bias": jnp.array([-40.0, 40.0]),
    }
    table = np.zeros((2, 2, 4), np.float32)
    table[1, 1, 1] = 40.0  # (source 1 → target 1): turn by 90°
    table[0, 1, 3] = 40.0  # (source 0 → target 1): not the estimated source, never read
    params["table"] = jnp.asarray(table)
    out, sown = layer.apply({"params": params}, images, targets, mutable=["intermediates"])
    np.testing.assert_allclose(out[0], np.rot90(images[0], 1), atol=1e-5)
    np.testing.assert_allclose(out[2], np.rot90(images[2], 1), atol=1e-5)
    # (source 1 → target 0) holds zeros: equal gates, the mean of the four turns
    mean_of_turns = sum(np.rot90(np.float64(images[1]), k) for k in range(4)) / 4
    np.testing.assert_allclose(out[1], mean_of_turns, atol=1e-5)
    assert sown["intermediates"]["source_logits"][0].shape == (3, 2)

    # the table's gradient does not reach the source head: the game's source term trains it
    def turned_sum(dense_bias):
        changed = {**params, "Dense_0": {**params["Dense_0"], "bias": dense_bias}}
        return layer.apply({"params": changed}, images, targets).sum()

    assert not np.any(jax.grad(turned_sum)(jnp.array([0.0, 0.0])))
    # a forced turn replaces the gates (the game's turn choice scores each turn so)
    forced = layer.apply({"params": params}, images, targets, jnp.array([3, 0, 2]))
    for i, k in enumerate((3, 0, 2)):
        np.testing.assert_allclose(forced[i], np.rot90(images[i], k), atol=1e-5)
    plain = StarGANGenerator(2, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3)
    plain_params = plain.init(jax.random.PRNGKey(1), images, targets)
    with pytest.raises(ValueError, match="forced turn needs the generator's PairTurns"):
        plain.apply(plain_params, images, targets, jnp.array([1, 1, 1]))


def _saying(params, domain, num_domains):
    """``params`` with a source head that names ``domain`` for every image."""
    bias = np.full(num_domains, -40.0, np.float32)
    bias[domain] = 40.0
    kernel = jnp.zeros_like(params["Dense_0"]["kernel"])
    return {**params, "Dense_0": {"kernel": kernel, "bias": jnp.asarray(bias)}}


def test_pair_turns_with_poses_turn_by_the_difference_of_the_two_domains_poses():
    images = np.random.default_rng(14).uniform(-1, 1, (3, 6, 6, 1)).astype(np.float32)
    targets = jnp.array([1, 0, 2])
    layer = PairTurns(3, num_turns=4, poses=True, table_scale=5.0)
    params = dict(layer.init(jax.random.PRNGKey(0), images, targets)["params"])
    assert "table" not in params and params["poses"].shape == (2, 4)  # domain 0's pose: 0°
    poses = np.zeros((2, 4), np.float32)
    poses[0, 1] = 20.0  # domain 1 at 90°
    poses[1, 3] = 20.0  # domain 2 at 270°
    params["poses"] = jnp.asarray(poses)
    out = layer.apply({"params": _saying(params, 2, 3)}, images, targets)
    np.testing.assert_allclose(out[0], np.rot90(images[0], 2), atol=1e-5)  # 90° − 270°
    np.testing.assert_allclose(out[1], np.rot90(images[1], 1), atol=1e-5)  # 0° − 270°
    np.testing.assert_allclose(out[2], images[2], atol=1e-5)  # the same domain: no turn


def test_pose_gates_are_the_distribution_of_the_difference_of_two_independent_poses():
    """Against an enumeration of (θ_s, θ_t) for soft poses and a soft source estimate; the
    gates of (t, s) are those of (s, t) turned back."""
    num_domains, turns, scale = 3, 4, 0.7
    images = np.random.default_rng(15).uniform(-1, 1, (2, 8, 8, 1)).astype(np.float32)
    layer = PairTurns(num_domains, num_turns=turns, width=3, poses=True, table_scale=scale)
    params = dict(layer.init(jax.random.PRNGKey(1), images, jnp.array([0, 1]))["params"])
    params["poses"] = jnp.asarray(np.random.default_rng(16).normal(size=(2, 4)), jnp.float32)
    params["Dense_0"] = jax.tree.map(lambda w: 3 * w + 0.3, params["Dense_0"])
    for targets in (jnp.array([1, 2]), jnp.array([0, 2])):
        _, sown = layer.apply({"params": params}, images, targets, mutable=["intermediates"])
        p = np.asarray(jax.nn.softmax(sown["intermediates"]["source_logits"][0]), np.float64)
        q = np.asarray(jax.nn.softmax(scale * np.float64(params["poses"]), axis=1))
        q = np.concatenate([np.eye(turns)[:1], q])
        expected = np.zeros((2, turns))
        for b, t in enumerate(np.asarray(targets)):
            for s, j, m in np.ndindex(num_domains, turns, turns):
                expected[b, (m - j) % turns] += p[b, s] * q[s, j] * q[t, m]
        np.testing.assert_allclose(sown["intermediates"]["gates"][0], expected, atol=1e-6)
        assert not np.allclose(expected, 1 / turns, atol=0.02)
    forth = layer.apply(
        {"params": _saying(params, 1, 3)}, images, jnp.array([2, 2]), mutable=["intermediates"]
    )[1]["intermediates"]["gates"][0]
    back = layer.apply(
        {"params": _saying(params, 2, 3)}, images, jnp.array([1, 1]), mutable=["intermediates"]
    )[1]["intermediates"]["gates"][0]
    np.testing.assert_allclose(back, np.asarray(forth)[:, (-np.arange(turns)) % turns], atol=1e-6)


def test_pair_turns_layout_and_table_scale():
    """``keep_layout``: the source head reads φ's features at every position (a Dense with one
    weight per position and channel; spread evenly, it is the default head on their mean);
    ``table_scale`` a: the gates are softmax(a·Σ_s p(s | x)·T[s, c'])."""
    images = np.random.default_rng(11).uniform(-1, 1, (2, 8, 8, 1)).astype(np.float32)
    targets = jnp.array([1, 0])
    flat = PairTurns(2, num_turns=4, width=3, keep_layout=True, table_scale=7.0)
    params = dict(flat.init(jax.random.PRNGKey(0), images, targets)["params"])
    positions, channels = 2 * 2, 6  # 8×8 after two stride-2 convolutions, 2·width channels
    assert params["Dense_0"]["kernel"].shape == (positions * channels, 2)
    weights = np.random.default_rng(13).normal(size=(channels, 2)).astype(np.float32)
    params["Dense_0"] = {
        "kernel": jnp.asarray(np.tile(weights / positions, (positions, 1))),
        "bias": jnp.zeros(2),
    }
    table = np.random.default_rng(12).normal(size=(2, 2, 4)).astype(np.float32)
    params["table"] = jnp.asarray(table)
    _, sown = flat.apply({"params": params}, images, targets, mutable=["intermediates"])
    mean_view = PairTurns(2, num_turns=4, width=3)
    mean_params = {**params, "Dense_0": {"kernel": jnp.asarray(weights), "bias": jnp.zeros(2)}}
    _, mean_sown = mean_view.apply(
        {"params": mean_params}, images, targets, mutable=["intermediates"]
    )
    source_logits = sown["intermediates"]["source_logits"][0]
    np.testing.assert_allclose(
        source_logits, mean_sown["intermediates"]["source_logits"][0], rtol=1e-5, atol=1e-6
    )
    p = np.asarray(jax.nn.softmax(source_logits), np.float64)
    logits = 7.0 * np.einsum("bs,sbk->bk", p, table[:, np.asarray(targets)])
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(sown["intermediates"]["gates"][0], expected, atol=1e-5)
    unscaled = np.asarray(mean_sown["intermediates"]["gates"][0])
    assert np.abs(unscaled - expected).max() > 0.05  # a = 1 gives other gates


@pytest.mark.parametrize("shared", [False, True])
def test_spatial_mixing_can_rotate_every_channel(shared):
    images = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype(np.float32)
    # M[c, p, q] = 1 where position q of the output reads position p of the input under rot90
    index = np.arange(16).reshape(4, 4)
    rotated_index = np.rot90(index, 1).ravel()  # output position q holds input rotated_index[q]
    permutation = np.zeros((16, 16), np.float32)
    permutation[rotated_index, np.arange(16)] = 1.0
    matrices = 1 if shared else 3
    mixing = np.broadcast_to(permutation, (matrices, 16, 16))

    layer = SpatialMixing(shared=shared)
    out = jax.jit(layer.apply)({"params": {"mixing": mixing}}, images)
    np.testing.assert_allclose(out, np.rot90(np.asarray(images), 1, axes=(1, 2)), atol=1e-6)
    params = jax.eval_shape(layer.init, jax.random.PRNGKey(1), images)["params"]
    assert params["mixing"].shape == (matrices, 16, 16)


def _rot90_map(side):
    """``M[p, q] = 1`` where output position q reads input position p under ``np.rot90``."""
    rotated_index = np.rot90(np.arange(side * side).reshape(side, side), 1).ravel()
    permutation = np.zeros((side * side, side * side), np.float32)
    permutation[rotated_index, np.arange(side * side)] = 1.0
    return permutation


def _warp_params(maps, gate_bias, channels=1):
    """InputWarp parameters (4 domains) with the gate network's output layer set to a constant
    bias: g = softmax(gate_bias) for every example."""
    warp = InputWarp(4, len(maps))
    images = jnp.zeros((1, *[int(np.sqrt(maps.shape[1]))] * 2, channels))
    params = warp.init(jax.random.PRNGKey(0), images, jnp.zeros((1,), jnp.int32))["params"]
    params = {**params, "maps": jnp.asarray(maps)}
    params["Dense_0"] = {
        "kernel": jnp.zeros_like(params["Dense_0"]["kernel"]),
        "bias": jnp.asarray(gate_bias, jnp.float32),
    }
    return warp, {"params": params}


def test_input_warp_is_the_gated_mixture_of_its_maps():
    rng = np.random.default_rng(3)
    images = rng.normal(size=(3, 4, 4, 2)).astype(np.float32)
    maps = rng.normal(size=(2, 16, 16)).astype(np.float32)
    bias = np.array([0.3, -1.0, 0.7])
    warp, variables = _warp_params(maps, bias, channels=2)
    out = jax.jit(warp.apply)(variables, images, jnp.array([0, 1, 3]))
    gates = np.exp(bias) / np.exp(bias).sum()
    flat = np.float64(images.reshape(3, 16, 2))
    expected = gates[0] * flat
    for k in range(2):
        expected += gates[k + 1] * np.einsum("bpc,pq->bqc", flat, np.float64(maps[k]))
    np.testing.assert_allclose(out, expected.reshape(images.shape), rtol=1e-5, atol=1e-5)


def test_input_warp_turns_the_image_when_its_gate_picks_a_turn():
    images = np.random.default_rng(4).normal(size=(2, 4, 4, 1)).astype(np.float32)
    domains = jnp.array([1, 2])
    maps = np.stack([_rot90_map(4), np.eye(16, dtype=np.float32)[::-1]])
    warp, turn = _warp_params(maps, [0.0, 40.0, 0.0])
    np.testing.assert_allclose(
        warp.apply(turn, images, domains), np.rot90(images, 1, axes=(1, 2)), atol=1e-6
    )
    _, keep = _warp_params(maps, [40.0, 0.0, 0.0])
    np.testing.assert_allclose(warp.apply(keep, images, domains), images, atol=1e-6)
    # with a drawn gate network the gates read the target domain: the same image warps apart
    drawn = warp.init(jax.random.PRNGKey(1), images, domains)
    same = jnp.broadcast_to(jnp.asarray(images[:1]), images.shape)
    out = warp.apply(drawn, same, domains)
    assert float(jnp.abs(out[0] - out[1]).max()) > 1e-3


def test_generator_warps_its_input_first():
    """With the warp's gate fixed on a turn, G(x, c') is the warp-free generator of rot90(x)."""
    images = jnp.asarray(np.random.default_rng(5).uniform(-1, 1, (2, 8, 8, 1)), jnp.float32)
    domains = jnp.array([1, 3])
    sizes = dict(num_domains=4, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3)
    warped = StarGANGenerator(**sizes, input_warps=1)
    variables = warped.init(jax.random.PRNGKey(0), images, domains)
    params = dict(variables["params"])
    assert params["InputWarp_0"]["maps"].shape == (1, 64, 64)
    gate = params["InputWarp_0"]["Dense_0"]
    params["InputWarp_0"] = {
        **params["InputWarp_0"],
        "maps": jnp.asarray(_rot90_map(8))[None],
        "Dense_0": {"kernel": jnp.zeros_like(gate["kernel"]), "bias": jnp.array([0.0, 40.0])},
    }
    out = warped.apply({"params": params}, images, domains)
    rest = {name: value for name, value in params.items() if name != "InputWarp_0"}
    turned = jnp.rot90(images, 1, axes=(1, 2))
    plain = StarGANGenerator(**sizes).apply({"params": rest}, turned, domains)
    np.testing.assert_allclose(out, plain, atol=1e-5)


@pytest.mark.parametrize("degrees", [90, -90, 30, -50])
def test_turn_equals_scipy_rotate(degrees):
    """scipy.ndimage.rotate turns anticlockwise about the centre; ``grid-constant`` reads −1
    outside the image and interpolates to it, as ``map_coordinates``' constant mode does."""
    import scipy.ndimage

    images = np.random.default_rng(6).uniform(-1, 1, (2, 9, 9, 2)).astype(np.float32)
    angles = jnp.full((2,), np.deg2rad(degrees), jnp.float32)
    out = turn_and_shift(jnp.asarray(images), angles, jnp.zeros((2, 2)))
    expected = scipy.ndimage.rotate(
        np.float64(images), degrees, axes=(2, 1), reshape=False, order=1,
        mode="grid-constant", cval=-1.0,
    )  # fmt: skip
    np.testing.assert_allclose(out, expected, atol=1e-5)
    if abs(degrees) == 90:
        np.testing.assert_allclose(out, np.rot90(images, degrees // 90, axes=(1, 2)), atol=1e-5)


def test_shift_moves_by_whole_pixels_and_fills_the_background():
    images = np.random.default_rng(7).uniform(-1, 1, (1, 6, 6, 1)).astype(np.float32)
    # one pixel down (a shift of 2/6 half sides) and two pixels left
    out = turn_and_shift(jnp.asarray(images), jnp.zeros(1), jnp.array([[2 / 6, -4 / 6]]))
    expected = np.full_like(images, -1.0)
    expected[:, 1:, :-2] = images[:, :-1, 2:]
    np.testing.assert_allclose(out, expected, atol=1e-5)
    # the angle gets a gradient: the warp can learn to turn
    grad = jax.grad(lambda a: turn_and_shift(jnp.asarray(images), a, jnp.zeros((1, 2))).sum())
    assert float(jnp.abs(grad(jnp.array([0.1])))[0]) > 1e-3


def test_rigid_warp_starts_as_the_identity():
    images = jnp.asarray(np.random.default_rng(8).uniform(-1, 1, (2, 8, 8, 1)), jnp.float32)
    domains = jnp.array([1, 3])
    sizes = dict(num_domains=4, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3)
    warped = StarGANGenerator(**sizes, rigid_warp=True)
    variables = warped.init(jax.random.PRNGKey(0), images, domains)
    rest = {k: v for k, v in variables["params"].items() if k != "RigidWarp_0"}
    plain = StarGANGenerator(**sizes).apply({"params": rest}, images, domains)
    np.testing.assert_allclose(warped.apply(variables, images, domains), plain, atol=1e-6)
    # a quarter turn in the warp's output bias is the warp-free generator of rot90(x)
    params = jax.tree.map(lambda v: v, variables["params"])
    params["RigidWarp_0"]["Dense_0"]["bias"] = jnp.array([np.pi / 2, 0.0, 0.0])
    turned = StarGANGenerator(**sizes).apply(
        {"params": rest}, jnp.rot90(images, 1, (1, 2)), domains
    )
    np.testing.assert_allclose(warped.apply({"params": params}, images, domains), turned, atol=1e-5)


def test_turn_mixture_is_the_gated_sum_of_the_quarter_turns():
    images = np.random.default_rng(9).uniform(-1, 1, (3, 6, 6, 2)).astype(np.float32)
    domains = jnp.array([0, 1, 3])
    mixture = TurnMixture(4, num_turns=4)
    variables = mixture.init(jax.random.PRNGKey(0), images, domains)
    out = mixture.apply(variables, images, domains)  # the Dense starts at zero: equal gates
    turns = [np.rot90(np.float64(images), k, axes=(1, 2)) for k in range(4)]
    np.testing.assert_allclose(out, sum(turns) / 4, atol=1e-5)
    bias = np.array([0.5, 2.0, -1.0, 0.0])
    params = jax.tree.map(lambda v: v, variables["params"])
    params["Dense_0"]["bias"] = jnp.asarray(bias, jnp.float32)
    gates = np.exp(bias) / np.exp(bias).sum()
    out = mixture.apply({"params": params}, images, domains)
    np.testing.assert_allclose(
        out, sum(g * t for g, t in zip(gates, turns, strict=True)), atol=1e-5
    )


def test_shared_mixing_moves_every_channel_alike():
    """One matrix for all channels: channel c of the output is M applied to channel c alone."""
    images = np.random.default_rng(1).normal(size=(2, 3, 3, 4)).astype(np.float32)
    matrix = np.random.default_rng(2).normal(size=(9, 9)).astype(np.float32)
    out = SpatialMixing(shared=True).apply({"params": {"mixing": matrix[None]}}, images)
    flat = images.reshape(2, 9, 4)
    expected = np.stack([flat[:, :, c] @ matrix for c in range(4)], axis=-1).reshape(images.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_zero_initialized_mixing_starts_as_the_generator_without_it():
    """Also on the skip: the bottleneck's map (8 channels, 4×4 positions) and the skip's (the
    first convolution's 4 channels, 8×8 positions) both start at zero."""
    images = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 1)), jnp.float32)
    domains = jnp.array([1, 3])
    sizes = dict(
        num_domains=4, width=4, num_downsamplings=1, num_blocks=1, outer_kernel=3, skips=True
    )
    mixed = StarGANGenerator(**sizes, spatial_mixing=True, mixing_init_scale=0.0, mixing_skips=True)
    variables = mixed.init(jax.random.PRNGKey(0), images, domains)
    without_mixing = dict(variables["params"])
    for name, shape in (("SpatialMixing_0", (8, 16, 16)), ("SpatialMixing_1", (4, 64, 64))):
        mixing = without_mixing.pop(name)["mixing"]
        assert mixing.shape == shape and not np.any(mixing)
    plain = StarGANGenerator(**sizes).apply({"params": without_mixing}, images, domains)
    np.testing.assert_allclose(mixed.apply(variables, images, domains), plain, atol=1e-6)
    # the default scale draws M as LeCun normal: std 1/√(h·w) over the 4×4 positions
    drawn = StarGANGenerator(**sizes, spatial_mixing=True).init(
        jax.random.PRNGKey(0), images, domains
    )
    assert 0.2 < float(jnp.std(drawn["params"]["SpatialMixing_0"]["mixing"])) < 0.3
