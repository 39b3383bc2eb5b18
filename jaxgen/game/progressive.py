"""The Progressive GAN game: WGAN-GP with the drift term, at the stage and fade-in α of the step
(Karras, Aila, Laine & Lehtinen 2018, "Progressive Growing of GANs for Improved Quality,
Stability, and Variation", §3 and §A.1).

Losses, with D the critic at stage s and fade-in α (``jaxgen.nn.progressive``):

    L_D = E[D(G(z))] − E[D(x)] + λ · E[(‖∇D(x̂)‖ − 1)²] + ε_drift · E[D(x)²]
    L_G = −E[D(G(z))]

λ = 10 (Gulrajani et al. 2017; ``jaxgen.losses.regularizers.gradient_penalty``) and ε_drift =
0.001, the drift term that keeps the critic's scores near zero (§A.1). The real batch arrives at
the final resolution R_{S−1} and is brought to stage s's resolution by average pooling; during a
fade-in the real images are blended between the two resolutions as G's output is (§A.1: "During
a resolution transition, we interpolate between two resolutions of the real images"):

    x_s = (1 − α) · upsample(avgpool(x at R_s)) + α · (x at R_s)

The minibatch standard deviation layer couples the examples of a group, so the penalty's input
gradient includes the effect of each example on its group's statistic, as in the authors' code
(which differentiates the summed scores of the mixed batch, as ``gradient_penalty`` does).

**Schedule and state.** ``model_state`` is a ``Growth(stage, alpha)``, a function of the step
alone (``Schedule.growth_at``), written into the TrainState before every step, so that a
checkpoint taken in the middle of a fade resumes exactly: stage 0 (4×4) trains for
``stabilize_steps``, then each later stage fades in over ``fade_steps`` (α rising linearly from
0) and stabilizes at α = 1 for ``stabilize_steps``; past the schedule, the last stage stays at
α = 1. The authors' code resets Adam's moments at every phase start (``reset_opt_for_new_lod``);
``Schedule.phase_start`` says where.

**One compiled step.** Every stage's parameters exist from the start and ``losses`` dispatches on
the stage with ``jax.lax.switch``, one branch per stage (each compiled once): the parameter tree,
the optimizer state and the compiled step are the same for the whole run, so the parameters of
finished stages are carried over unchanged when the resolution grows, and those of later stages
receive zero gradients (Adam then leaves them exactly where they are: m = v = 0 gives a zero
update).
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxgen.losses.regularizers import gradient_penalty
from jaxgen.nn.progressive import downsample, lerp, upsample
from jaxgen.types import Pair


class Growth(NamedTuple):
    """The model state of Progressive GAN: the stage (int32 scalar) and its fade-in α (float32)."""

    stage: jax.Array
    alpha: jax.Array


class Schedule(NamedTuple):
    """Stage 0 for ``stabilize_steps`` steps, then per later stage ``fade_steps`` fading in and
    ``stabilize_steps`` at α = 1 (module docstring)."""

    num_stages: int
    fade_steps: int
    stabilize_steps: int

    @property
    def total_steps(self) -> int:
        """The steps until the last stage has faded in and stabilized."""
        return self.stabilize_steps + (self.num_stages - 1) * self.phase_steps

    @property
    def phase_steps(self) -> int:
        return self.fade_steps + self.stabilize_steps

    def stage_end(self, stage: int) -> int:
        """The step at which ``stage`` has finished (its last step is one before)."""
        return self.stabilize_steps + stage * self.phase_steps

    def growth_at(self, step) -> Growth:
        """The stage and α of train step ``step`` (a traced or Python integer)."""
        step = jnp.asarray(step, jnp.int32)
        grown = jnp.maximum(step - self.stabilize_steps, 0)
        stage = jnp.where(step < self.stabilize_steps, 0, 1 + grown // self.phase_steps)
        into = grown % self.phase_steps
        alpha = jnp.minimum(into.astype(jnp.float32) / max(self.fade_steps, 1), 1.0)
        alpha = jnp.where((stage == 0) | (self.fade_steps == 0), 1.0, alpha)
        last = self.num_stages - 1
        alpha = jnp.where(stage > last, 1.0, alpha).astype(jnp.float32)
        return Growth(jnp.minimum(stage, last).astype(jnp.int32), alpha)

    def phase_start(self, step) -> jax.Array:
        """Whether ``step`` begins a fade-in or a stabilization of a stage ≥ 1 (bool scalar)."""
        step = jnp.asarray(step, jnp.int32)
        grown = step - self.stabilize_steps
        into = grown % self.phase_steps
        growing = (grown >= 0) & (grown < (self.num_stages - 1) * self.phase_steps)
        return growing & ((into == 0) | (into == self.fade_steps))


def real_at_stage(images: jax.Array, stage: int, num_stages: int, alpha) -> jax.Array:
    """The real batch ``[B, R, R, C]`` at stage ``stage``'s resolution, blended while fading."""
    current = downsample(images, 2 ** (num_stages - 1 - stage))
    if stage == 0:
        return current
    return lerp(upsample(downsample(current)), current, alpha)


def progressive_wgan_gp(
    generator,
    discriminator,
    *,
    latent_dim: int,
    num_stages: int,
    gp_weight: float = 10.0,
    drift_weight: float = 1e-3,
    data_key: str = "image",
):
    """The game ``losses(params, growth, batch, key)`` (module docstring).

    Args:
      generator: ``jaxgen.nn.ProgressiveGenerator``-like, ``apply(vars, z, stage, alpha)``.
      discriminator: ``ProgressiveDiscriminator``-like, ``apply(vars, x, stage, alpha) -> [B]``.
      latent_dim: size of z.
      num_stages: S, the number of resolutions.
      gp_weight: λ of the gradient penalty.
      drift_weight: ε_drift.
      data_key: the batch entry holding the real images at the final resolution.
    """

    def stage_losses(stage, params, alpha, real, key):
        z_key, gp_key = jax.random.split(key)
        real = real_at_stage(real, stage, num_stages, alpha)
        z = jax.random.normal(z_key, (real.shape[0], latent_dim), jnp.float32)
        fake = generator.apply({"params": params.g}, z, stage, alpha)

        def critic(x):
            return discriminator.apply({"params": params.d}, x, stage, alpha)

        real_scores, fake_scores = critic(real), critic(fake)
        penalty = jnp.mean(gradient_penalty(critic, real, fake, gp_key))
        drift = jnp.mean(jnp.square(real_scores))
        loss_d = (
            jnp.mean(fake_scores)
            - jnp.mean(real_scores)
            + gp_weight * penalty
            + drift_weight * drift
        )
        loss_g = -jnp.mean(fake_scores)
        metrics = {
            "d_real": jnp.mean(real_scores),
            "d_fake": jnp.mean(fake_scores),
            "d_penalty": penalty,
            "d_drift": drift,
        }
        return Pair(loss_g, loss_d), metrics

    branches = [
        lambda *args, stage=stage: stage_losses(stage, *args) for stage in range(num_stages)
    ]

    def losses(params, growth, batch, key):
        values, metrics = jax.lax.switch(
            growth.stage, branches, params, growth.alpha, batch[data_key], key
        )
        metrics = {**metrics, "alpha": growth.alpha, "stage": growth.stage.astype(jnp.float32)}
        return values, (growth, metrics)

    return losses
