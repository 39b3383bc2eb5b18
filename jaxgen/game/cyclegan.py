"""CycleGAN: two generators and two discriminators that translate between unpaired domains.

Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
Adversarial Networks", ICCV. Generators G_AB: A → B and G_BA: B → A; discriminators D_A (real
a against translated G_BA(b)) and D_B (real b against G_AB(a)), on a batch of unpaired
``a = batch["image"]`` and ``b = batch["image_b"]``. With the least-squares objective (§4,
Eq. 2 replaced by LSGAN, ``jaxgen.losses.least_squares``, 0-1 coding) on each patch output of a
PatchGAN, means over patches and batch:

    L_G = mean (D_B(G_AB(a)) − 1)² + mean (D_A(G_BA(b)) − 1)²
          + λ_cyc·(mean |G_BA(G_AB(a)) − a| + mean |G_AB(G_BA(b)) − b|)          (Eq. 2, 3)
          + λ_id·(mean |G_BA(a) − a| + mean |G_AB(b) − b|)                        (§5.2)
    L_D = ½ mean (D_A(a) − 1)² + ½ mean D_A(ã)² + ½ mean (D_B(b) − 1)² + ½ mean D_B(b̃)²

with λ_cyc = 10 and λ_id = 0.5·λ_cyc (``identity_weight`` is the 0.5). These are the scales of
the authors' PyTorch code (``cycle_gan_model.py``: ``MSELoss`` against 1 for G, the
discriminator's two terms halved), which the λ's are tuned to: the generator term is twice
``least_squares.generator_loss``, which carries Mao et al.'s ½.

ã and b̃ are not the fresh translations but draws from a history of past ones (§4, "we update
the discriminators using a history of generated images rather than the ones produced by the
latest generators", after Shrivastava et al. 2017, §2.3, with a buffer of 50): ``query_history``
passes each translation of the batch in turn, as the code's ``ImagePool.query``: while the
buffer holds fewer than ``size`` images, the new image is stored and returned; afterwards, with
probability ½ it is returned as it is, and otherwise a uniformly chosen stored image is returned
and the new one takes its slot. The buffers (``ImageHistory``, one per direction) are the game's
model state, ``{"fake_a": ..., "fake_b": ...}``, so they live in the TrainState, are
checkpointed with it and resume exactly; their draws come from the key alone.

Players as DESIGN.md groups them: ``Pair(g={"g_ab": ..., "g_ba": ...}, d={"d_a": ...,
"d_b": ...})``. The paper's step (its code's ``optimize_parameters``) takes both generators'
gradient against the discriminators as they are, then the discriminators' gradient on the
history of translations made before that generator update: both gradients at one point, which
is ``jaxgen.game.simultaneous`` (Adam(2e-4, β1 = 0.5) for both players). Under
``simultaneous`` the game is evaluated once per step for the history (both players' evaluations
see the same key and model state and push the same images). Under ``alternating`` each of the
two evaluations pushes its translations, so the history turns over twice as fast.
"""

from collections.abc import Sequence
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.losses import least_squares
from jaxgen.types import Pair

G_AB, G_BA, D_A, D_B = "g_ab", "g_ba", "d_a", "d_b"
HISTORY_SIZE = 50  # the paper's buffer of 50 images per direction
CYCLE_WEIGHT = 10.0  # λ_cyc (§4)
IDENTITY_WEIGHT = 0.5  # λ_id / λ_cyc (§5.2; the code's lambda_identity)


class ImageHistory(NamedTuple):
    """A buffer of past generated images: ``images [size, H, W, C]``, of which the first
    ``count`` (an int32 scalar, at most ``size``) are filled."""

    images: jax.Array
    count: jax.Array


class HistoryDraws(NamedTuple):
    """The random choices of one query, one per image: ``swap`` (bool ``[n]``, return a stored
    image instead of the new one, probability ½) and ``slot`` (int32 ``[n]``, uniform in
    ``[0, size)``: which stored image)."""

    swap: jax.Array
    slot: jax.Array


def init_history(size: int, image_shape: Sequence[int], dtype=jnp.float32) -> ImageHistory:
    """An empty buffer for ``size`` images of shape ``image_shape`` ``[H, W, C]``."""
    if size < 1:
        raise ValueError(f"the history size must be at least 1, got {size}")
    return ImageHistory(jnp.zeros((size, *image_shape), dtype), jnp.zeros((), jnp.int32))


def history_draws(key, n: int, size: int) -> HistoryDraws:
    """The draws ``query_history`` makes for ``n`` images into a buffer of ``size``."""
    swap_key, slot_key = jax.random.split(key)
    return HistoryDraws(
        jax.random.bernoulli(swap_key, 0.5, (n,)),
        jax.random.randint(slot_key, (n,), 0, size, jnp.int32),
    )


def query_history_with(history: ImageHistory, images: jax.Array, draws: HistoryDraws):
    """``query_history`` with given draws: ``(returned images [n, ...], new history)``.

    The images pass one after another (``lax.scan``), so a later image of the batch may get one
    that an earlier one stored, as in the sequential ``ImagePool.query``.
    """
    size = history.images.shape[0]
    if images.shape[1:] != history.images.shape[1:]:
        raise ValueError(
            f"images {images.shape} do not match the history's {history.images.shape[1:]}"
        )

    def one(carry, inputs):
        stored, count = carry
        image, swap, slot = inputs
        filling = count < size
        # While filling, the new image goes to slot `count`; once full, to `slot` when swapped.
        target = jnp.where(filling, count, slot)
        previous = stored[target]
        returned = jnp.where(swap & ~filling, previous, image)
        keep_old = ~filling & ~swap
        stored = stored.at[target].set(jnp.where(keep_old, previous, image))
        return (stored, jnp.minimum(count + 1, size)), returned

    (stored, count), returned = jax.lax.scan(
        one, (history.images, history.count), (images, draws.swap, draws.slot)
    )
    return returned, ImageHistory(stored, count)


def query_history(history: ImageHistory, images: jax.Array, key):
    """Passes ``images [n, H, W, C]`` through the buffer (module docstring): returns the images
    to show the discriminator ``[n, H, W, C]`` and the new buffer. A pure function of its
    arguments."""
    draws = history_draws(key, images.shape[0], history.images.shape[0])
    return query_history_with(history, images, draws)


def init_params(generator: nn.Module, discriminator: nn.Module, key, image_a, image_b) -> Pair:
    """``Pair(g={"g_ab", "g_ba"}, d={"d_a", "d_b"})`` of Flax "params" for images like
    ``image_a`` and ``image_b`` ``[batch, H, W, C]``."""
    keys = jax.random.split(key, 4)
    return Pair(
        g={
            G_AB: generator.init(keys[0], image_a)["params"],
            G_BA: generator.init(keys[1], image_b)["params"],
        },
        d={
            D_A: discriminator.init(keys[2], image_a)["params"],
            D_B: discriminator.init(keys[3], image_b)["params"],
        },
    )


def init_model_state(image_shape_a, image_shape_b, size: int = HISTORY_SIZE) -> dict:
    """The game's model state: empty histories of translations into A (``fake_a``, shown to
    D_A) and into B (``fake_b``, shown to D_B)."""
    return {
        "fake_a": init_history(size, image_shape_a),
        "fake_b": init_history(size, image_shape_b),
    }


def translate(generator: nn.Module, params, images):
    """One generator's translations of ``images`` ``[batch, H, W, C]``."""
    return generator.apply({"params": params}, images)


def _patches(outputs):
    return outputs.reshape(-1)  # each patch output is its own least-squares term


def cyclegan(
    generator: nn.Module,
    discriminator: nn.Module,
    *,
    cycle_weight: float = CYCLE_WEIGHT,
    identity_weight: float = IDENTITY_WEIGHT,
    image_keys: tuple[str, str] = ("image", "image_b"),
):
    """The CycleGAN game ``losses(params, model_state, batch, key)`` (module docstring).

    Args:
      generator: Flax module, ``generator(x [B, H, W, C]) -> [B, H, W, C]`` (both directions
        use it with their own parameters), e.g. ``jaxgen.nn.cyclegan.ResnetGenerator``.
      discriminator: Flax module, ``discriminator(x) -> [B, ...]`` raw outputs, one per patch
        (``jaxgen.nn.cyclegan.PatchGAN``).
      cycle_weight: λ_cyc.
      identity_weight: λ_id as a fraction of λ_cyc (0: no identity loss, and no identity
        translations are computed).
      image_keys: the batch entries holding domain A and domain B.

    Metrics (unweighted): ``cycle_a`` = mean |G_BA(G_AB(a)) − a|, ``cycle_b``,
    ``identity_a`` = mean |G_BA(a) − a| and ``identity_b`` (when λ_id > 0), ``adversarial_ab``
    = mean (D_B(G_AB(a)) − 1)² and ``adversarial_ba``, ``loss_d_a`` and ``loss_d_b`` (each D's
    two halved terms), ``d_a_real``, ``d_a_fake``, ``d_b_real``, ``d_b_fake`` (D's mean
    output on real images and on the history draws).
    """
    key_a, key_b = image_keys

    def losses(params, model_state, batch, key):
        real_a, real_b = batch[key_a], batch[key_b]

        def g(name, x):
            return translate(generator, params.g[name], x)

        def d(name, x):
            return _patches(discriminator.apply({"params": params.d[name]}, x))

        fake_b, fake_a = g(G_AB, real_a), g(G_BA, real_b)
        cycle_a = jnp.mean(jnp.abs(g(G_BA, fake_b) - real_a))
        cycle_b = jnp.mean(jnp.abs(g(G_AB, fake_a) - real_b))
        # MSELoss against 1 in the authors' code: twice Mao et al.'s ½(D − c)².
        adversarial_ab = 2 * jnp.mean(least_squares.generator_loss(d(D_B, fake_b)))
        adversarial_ba = 2 * jnp.mean(least_squares.generator_loss(d(D_A, fake_a)))
        loss_g = adversarial_ab + adversarial_ba + cycle_weight * (cycle_a + cycle_b)
        metrics = {
            "cycle_a": cycle_a,
            "cycle_b": cycle_b,
            "adversarial_ab": adversarial_ab,
            "adversarial_ba": adversarial_ba,
        }
        if identity_weight:
            identity_a = jnp.mean(jnp.abs(g(G_BA, real_a) - real_a))
            identity_b = jnp.mean(jnp.abs(g(G_AB, real_b) - real_b))
            loss_g += cycle_weight * identity_weight * (identity_a + identity_b)
            metrics |= {"identity_a": identity_a, "identity_b": identity_b}

        history_key_a, history_key_b = jax.random.split(key)
        shown_a, history_a = query_history(
            model_state["fake_a"], jax.lax.stop_gradient(fake_a), history_key_a
        )
        shown_b, history_b = query_history(
            model_state["fake_b"], jax.lax.stop_gradient(fake_b), history_key_b
        )
        loss_d = {}
        for name, real, shown in ((D_A, real_a, shown_a), (D_B, real_b, shown_b)):
            real_outputs, shown_outputs = d(name, real), d(name, shown)
            loss_d[name] = jnp.mean(least_squares.discriminator_loss(real_outputs, shown_outputs))
            metrics[f"{name}_real"] = jnp.mean(real_outputs)
            metrics[f"{name}_fake"] = jnp.mean(shown_outputs)
            metrics[f"loss_{name}"] = loss_d[name]
        new_model_state = {"fake_a": history_a, "fake_b": history_b}
        return Pair(loss_g, loss_d[D_A] + loss_d[D_B]), (new_model_state, metrics)

    return losses
