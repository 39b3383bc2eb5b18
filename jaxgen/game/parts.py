"""Generation from parts (Puzzle-GAN): a whole image and the mask of its parts from a few patches.

Lee, Yun, Choi, Yoo, Yang & Oh 2018, "Unsupervised Holistic Image Generation from Key Local
Patches", ECCV, §3.2, as in the authors' code (``models/model.py``: ``backward_D``,
``backward_G``). For a real x with parts {p_i} (``batch["parts"]``, ``batch["present"]``) cut
at the windows whose union is the ground-truth mask M (``batch["mask"]``;
``jaxgen.data.patches``), and z ~ U[−1, 1]^Z drawn with the key (the code's noise), the
generator player (part encoder E, mask generator G_M, image generator G_I:
``jaxgen.nn.parts``) makes

    e = Σ_i E(p_i),   M̂ = G_M(e),   x̂ = G_I(e, z, G_M's features)

and the discriminator D (logits) judges x, x̂ and two composites of x with another real image
x_s of the batch (x_s = the batch rolled by one: example b gets example b − 1), x's parts on
x_s's background and x_s's parts on x's background. With BCE(l, 1) = softplus(−l) and
BCE(l, 0) = softplus(l), each averaged over the batch:

    L_D = BCE(D(x), 1) + BCE(D(x̂), 0)
          + λ_comp·[BCE(D(M ⊙ x + (1 − M) ⊙ x_s), 0) + BCE(D(M ⊙ x_s + (1 − M) ⊙ x), 0)]
    L_G = BCE(D(x̂), 1) + λ_s·L_spatial + λ_a·L_appearance

with, in the paper and the code (means over every pixel of the batch, the code's ``L1Loss``),

    L_spatial    = mean |M̂ − M|              (spatial loss: where the parts go)
    L_appearance = mean |M̂ ⊙ x̂ − M ⊙ x|      (appearance loss: the parts kept as given)

The composite fakes (λ_comp = 1 in the code) teach D that parts must fit their whole: a real
image whose parts come from another is fake. The generator's adversarial term is the
non-saturating one (the code's ``criterionGAN(d_gen, 1)``).

What is changed, and why (``experiments/parts_to_whole/README.md`` has the runs):

- ``spatial="bce"`` (default; ``"l1"`` is the paper's): L_spatial is the per-pixel binary
  cross-entropy of M̂ against M. Where the parts' positions are uncertain, the L1 minimizer of
  each pixel is the median, 0 wherever P(M = 1) < ½: on the digits the L1 mask went to 0
  everywhere (IoU 0 through 800 steps), which also zeroes the appearance loss's gradient
  (it reaches x̂ through M̂ ⊙ x̂). The cross-entropy's minimizer is P(M = 1) itself.
- ``appearance_mask="true"`` (default; ``"predicted"`` is the paper's): L_appearance =
  mean |M ⊙ x̂ − M ⊙ x|, x̂ compared with x on the true mask. With M̂ soft, M̂ ⊙ x̂ = M ⊙ x asks
  x̂ to be x / M̂ inside the parts and 0 (grey) outside them where M̂ > 0; with the true
  mask it asks only that the parts are drawn where they were cut. No supervision is added:
  M is already the spatial loss's target.
- the code scales λ_s and λ_a together from 10⁻² down to 10⁻⁴ over its epochs
  (``np.logspace(-2, -4, epoch)`` in ``main.py``, at 64² to 128² with the BCE of batches of
  64); here they are constants (``jaxgen.recipes.parts_to_whole`` sets them).
- the code's one generator update per *two* discriminator updates is the rule's business
  (``jaxgen.game.alternating``); a part set may hold fewer parts than ``parts.shape[1]``
  (``present``), so one game covers 2 or 3 parts, and the empty set (all absent, e = 0) is the
  "no parts" baseline of the experiment.

The networks have no batch statistics: the model state passes through unchanged. Metrics
(unweighted): ``spatial``, ``appearance``, ``in_mask_error`` (mean |x̂ − x| over the pixels
where M = 1), ``mask_iou`` (of M̂ > ½ against M), ``d_real``, ``d_fake``, ``d_composite``
(mean D probabilities).
"""

import jax
import jax.numpy as jnp

from jaxgen.losses import gan
from jaxgen.nn.parts import encode_parts
from jaxgen.types import Pair

SPATIAL_WEIGHT = 10.0  # λ_s
APPEARANCE_WEIGHT = 10.0  # λ_a
COMPOSITE_WEIGHT = 1.0  # λ_comp, the code's


def spatial_loss(predicted_mask: jax.Array, mask: jax.Array, kind: str = "bce") -> jax.Array:
    """``kind="l1"``: ``mean |M̂ − M|``; ``"bce"``: ``mean −M·log M̂ − (1 − M)·log(1 − M̂)``,
    over every pixel of the batch (M̂ in (0, 1), clipped to [10⁻⁶, 1 − 10⁻⁶] for the logs)."""
    if kind == "l1":
        return jnp.mean(jnp.abs(predicted_mask - mask))
    clipped = jnp.clip(predicted_mask, 1e-6, 1 - 1e-6)
    return -jnp.mean(mask * jnp.log(clipped) + (1 - mask) * jnp.log1p(-clipped))


def appearance_loss(fake, predicted_mask, real, mask) -> jax.Array:
    """``mean |M̂ ⊙ x̂ − M ⊙ x|`` over every pixel and channel of the batch."""
    return jnp.mean(jnp.abs(predicted_mask * fake - mask * real))


def in_mask_error(images, real, mask, *, power=1) -> jax.Array:
    """Per example, ``Σ M ⊙ |x̂ − x|^power / Σ M`` over pixels and channels: the error of
    ``images`` ``[B, H, W, C]`` inside the true mask ``[B, H, W, 1]`` → ``[B]``."""
    weights = jnp.broadcast_to(mask, images.shape).reshape(images.shape[0], -1)
    errors = (jnp.abs(images - real) ** power).reshape(images.shape[0], -1)
    return jnp.sum(weights * errors, axis=1) / jnp.maximum(jnp.sum(weights, axis=1), 1.0)


def composites(real: jax.Array, mask: jax.Array):
    """``(x's parts on x_s's background, x_s's parts on x's background)`` with x_s the batch
    rolled by one."""
    shuffled = jnp.roll(real, 1, axis=0)
    return mask * real + (1 - mask) * shuffled, mask * shuffled + (1 - mask) * real


def init_params(networks, key, parts, present, latent_dim) -> Pair:
    """``Pair(g={"part_encoder", "mask_generator", "image_generator"}, d={"discriminator"})``
    of ``networks`` = (E, G_M, G_I, D) for ``parts`` ``[B, P, p, p, C]`` (B ≥ 1)."""
    encoder, mask_generator, image_generator, discriminator = networks
    keys = jax.random.split(key, 4)
    encoder_params = encoder.init(keys[0], parts[:, 0])["params"]
    encoding = encode_parts(encoder, encoder_params, parts, present)
    mask_params = mask_generator.init(keys[1], encoding)["params"]
    _, features = mask_generator.apply({"params": mask_params}, encoding)
    z = jnp.zeros((parts.shape[0], latent_dim), encoding.dtype)
    image_params = image_generator.init(keys[2], encoding, z, features)["params"]
    images = image_generator.apply({"params": image_params}, encoding, z, features)
    return Pair(
        {
            "part_encoder": encoder_params,
            "mask_generator": mask_params,
            "image_generator": image_params,
        },
        {"discriminator": discriminator.init(keys[3], images)["params"]},
    )


def generate(networks, g_params, parts, present, z):
    """``(x̂ [B, H, W, C], M̂ [B, H, W, 1])`` from ``parts`` ``[B, P, p, p, C]``, ``present``
    ``[B, P]`` and ``z`` ``[B, Z]``."""
    encoder, mask_generator, image_generator, _ = networks
    encoding = encode_parts(encoder, g_params["part_encoder"], parts, present)
    mask, features = mask_generator.apply({"params": g_params["mask_generator"]}, encoding)
    fake = image_generator.apply({"params": g_params["image_generator"]}, encoding, z, features)
    return fake, mask


def draw_latents(key, batch_size: int, latent_dim: int) -> jax.Array:
    """z ~ U[−1, 1]^Z per example (the authors' noise)."""
    return jax.random.uniform(key, (batch_size, latent_dim), minval=-1.0, maxval=1.0)


def parts_to_whole(
    networks,
    *,
    latent_dim: int,
    spatial_weight: float = SPATIAL_WEIGHT,
    appearance_weight: float = APPEARANCE_WEIGHT,
    composite_weight: float = COMPOSITE_WEIGHT,
    spatial: str = "bce",
    appearance_mask: str = "true",
):
    """The Puzzle-GAN game ``losses(params, model_state, batch, key)`` (module docstring).

    Args:
      networks: ``(part_encoder, mask_generator, image_generator, discriminator)``, Flax
        modules as in ``jaxgen.nn.parts``.
      latent_dim: Z, the size of z (0: no noise).
      spatial_weight, appearance_weight, composite_weight: λ_s, λ_a, λ_comp.
      spatial: the spatial loss, ``"bce"`` (here) or ``"l1"`` (the paper's; module docstring).
      appearance_mask: the mask that selects x̂'s pixels in the appearance loss, ``"true"``
        (M, here) or ``"predicted"`` (M̂, the paper's; module docstring).
    """
    if appearance_mask not in ("true", "predicted"):
        raise ValueError(f"appearance_mask must be 'true' or 'predicted', got {appearance_mask!r}")
    if spatial not in ("bce", "l1"):
        raise ValueError(f"spatial must be 'bce' or 'l1', got {spatial!r}")
    discriminator = networks[3]

    def losses(params, model_state, batch, key):
        real, mask = batch["image"], batch["mask"]
        z = draw_latents(key, real.shape[0], latent_dim)
        fake, predicted_mask = generate(networks, params.g, batch["parts"], batch["present"], z)
        own_parts, other_parts = composites(real, mask)
        # one discriminator call on all four kinds of image
        logits = discriminator.apply(
            {"params": params.d["discriminator"]},
            jnp.concatenate([real, fake, own_parts, other_parts]),
        )
        real_logits, fake_logits, own_logits, other_logits = jnp.split(logits, 4)
        composite_loss = jnp.mean(jax.nn.softplus(own_logits) + jax.nn.softplus(other_logits))
        loss_d = (
            jnp.mean(gan.discriminator_loss(real_logits, fake_logits))
            + composite_weight * composite_loss
        )
        spatial_term = spatial_loss(predicted_mask, mask, spatial)
        fake_mask = mask if appearance_mask == "true" else predicted_mask
        appearance = appearance_loss(fake, fake_mask, real, mask)
        loss_g = (
            jnp.mean(gan.non_saturating_generator_loss(fake_logits))
            + spatial_weight * spatial_term
            + appearance_weight * appearance
        )
        predicted = predicted_mask > 0.5
        truth = mask > 0.5
        intersection = jnp.sum(predicted & truth, axis=(1, 2, 3))
        union = jnp.maximum(jnp.sum(predicted | truth, axis=(1, 2, 3)), 1)
        metrics = {
            "spatial": spatial_term,
            "appearance": appearance,
            "in_mask_error": jnp.mean(in_mask_error(fake, real, mask)),
            "mask_iou": jnp.mean(intersection / union),
            "d_real": gan.mean_probability(real_logits),
            "d_fake": gan.mean_probability(fake_logits),
            "d_composite": gan.mean_probability(jnp.concatenate([own_logits, other_logits])),
        }
        return Pair(loss_g, loss_d), (model_state, metrics)

    return losses
