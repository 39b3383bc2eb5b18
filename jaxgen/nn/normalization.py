"""Spectral normalization and minibatch standard deviation, two discriminator layers.

**Spectral normalization** (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for
Generative Adversarial Networks", Eq. 8 and Algorithm 1) replaces each weight matrix W
[d_out, d_in] by W / σ(W), with σ(W) its largest singular value, estimated by one power
iteration per training call from a persistent vector u ∈ R^{d_out}:

    v ← Wᵀu / ‖Wᵀu‖,   u ← Wv / ‖Wv‖,   σ(W) ≈ uᵀWv,

u and v held constant in the gradient (the gradient flows through W in uᵀWv, as in the paper's
§2.2). A convolution kernel is reshaped to a matrix, the paper's W [d_out, d_in·h·w]: ours is
the Flax kernel [h, w, d_in, d_out] reshaped to [h·w·d_in, d_out], which is Wᵀ with its columns
permuted, so it has the same singular values. As in the authors' code (pfnet-research/
sngan_projection, ``source/links/sn_linear.py`` and ``source/functions/max_sv.py``) the power
iteration runs in evaluation too, from the stored u, but only a training call stores the new u:
evaluation is deterministic, and a training call's output equals an evaluation call's output with
the same state.

u lives in the non-parameter collection ``"spectral"``, so in a GAN it is part of ``model_state``
(``jaxgen.game.adversarial`` makes every non-parameter collection mutable in training and keeps
the new values) and is checkpointed with the TrainState. ``flax.linen.SpectralNorm`` computes the
same thing, but puts u (and σ) into ``"batch_stats"`` by default, where a user who
recomputes batch-norm statistics (``mutable=["batch_stats"]``) would move u as well, and it
normalizes every ≥ 2-D variable of every collection of the wrapped module, which would also
"normalize" a discriminator's non-parameter arrays (a reference batch for virtual batch norm, an
image history). Ours normalizes only ``params`` named ``kernel`` and keeps u for all of them in
one pytree that mirrors the parameter tree.

Spectral normalization on DCGAN's discriminator, in ``jaxgen.game.adversarial`` as is::

    discriminator = SpectralNorm(DCGANDiscriminator(resolution=28))

(its ``train`` argument sets ``update_stats``). Every convolution and the final Dense layer are
normalized; batch norm inside still works. Note that ``adversarial`` applies the discriminator
to the real and to the fake batch, so one loss evaluation makes two power iterations, as the
authors' training code does.

**Minibatch standard deviation** (Karras, Aila, Laine & Lehtinen 2018, "Progressive Growing of
GANs for Improved Quality, Stability, and Variation", §3): split the batch into groups of G
examples, take each feature's standard deviation over the group, average it over all features and
positions to one value per group, and append that value as a constant extra channel to each of
the group's examples. It follows the authors' ``minibatch_stddev_layer`` (tkarras/
progressive_growing_of_gans, ``networks.py``): groups are strided (example i is in group
i mod (B / G)), the standard deviation is the population one with ε = 1e-8 inside the square
root, and G is min(group_size, B). It couples the examples of a group, so it breaks the per-example
independence that ``jaxgen.losses.regularizers`` assumes for its input gradients.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax import traverse_util

SPECTRAL = "spectral"


def l2_normalize(x: jax.Array, eps: float) -> jax.Array:
    """``x / (‖x‖ + eps)``: the authors' form (``max_sv.py``), 0 stays 0."""
    return x / (jnp.linalg.norm(x) + eps)


def kernel_matrix(kernel: jax.Array) -> jax.Array:
    """A Dense ``[d_in, d_out]`` or Conv ``[h, w, d_in, d_out]`` kernel as ``[h·w·d_in, d_out]``.

    This is the transpose of the paper's W ``[d_out, d_in·h·w]`` up to a permutation of its
    columns: the same singular values.
    """
    if kernel.ndim < 2:
        raise ValueError(f"a kernel has at least 2 dimensions, got shape {kernel.shape}")
    return kernel.reshape(-1, kernel.shape[-1])


def power_iteration(
    matrix: jax.Array, u: jax.Array, *, n_steps: int = 1, eps: float = 1e-12
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``n_steps`` power iterations on ``matrix`` = Wᵀ ``[d_in, d_out]`` from ``u`` ``[d_out]``.

    Returns ``(u, v, sigma)``: the new u ``[d_out]`` and v ``[d_in]`` (gradients stopped) and
    σ = uᵀWv = vᵀ·matrix·u, differentiable in ``matrix``. σ never exceeds the top singular value
    and increases to it as the iterations go on (when u is not orthogonal to the top singular
    vector).
    """
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}")
    if matrix.ndim != 2 or u.shape != (matrix.shape[1],):
        raise ValueError(
            f"power_iteration needs matrix [d_in, d_out] and u [d_out], got {matrix.shape} and "
            f"{u.shape}"
        )
    weights = jax.lax.stop_gradient(matrix)
    for _ in range(n_steps):
        v = l2_normalize(weights @ u, eps)
        u = l2_normalize(weights.T @ v, eps)
    u, v = jax.lax.stop_gradient(u), jax.lax.stop_gradient(v)
    return u, v, v @ matrix @ u


def _is_kernel(path: tuple[str, ...], value) -> bool:
    return path[-1] == "kernel" and jnp.ndim(value) >= 2


class SpectralNorm(nn.Module):
    """``module`` with each of its ``kernel`` parameters divided by its spectral norm.

    Wraps one layer (``nn.Dense``, ``nn.Conv``, ``jaxgen.nn.layers.ConvTranspose``) or a whole
    network; its parameters keep their own names, and u for every kernel lives in the collection
    ``collection`` as one pytree ``{"u": {<path of the kernel>: [d_out]}}``.

    Call it with the wrapped module's arguments plus ``update_stats``: store the new u (training;
    needs ``mutable=[collection]``) or not (evaluation). If ``update_stats`` is left out, the
    wrapped module's ``train`` keyword argument is used for it, so that a spectrally normalized
    discriminator is called like the plain one, ``discriminator(x, train=...)``.

    Attributes:
      module: the Flax module whose kernels are normalized.
      n_steps: power iterations per call (the paper uses 1).
      eps: added to the norms of the power iteration.
      collection: the non-parameter collection that holds u.
    """

    module: nn.Module
    n_steps: int = 1
    eps: float = 1e-12
    collection: str = SPECTRAL

    @nn.compact
    def __call__(self, *args, update_stats: bool | None = None, **kwargs):
        if update_stats is None:
            if "train" not in kwargs:
                raise TypeError(
                    "SpectralNorm needs update_stats=True (training) or False (evaluation), or a "
                    "train= argument for the wrapped module to take it from"
                )
            update_stats = kwargs["train"]

        def normalize(variables):
            params = traverse_util.flatten_dict(dict(variables["params"]))
            # jnp arrays, so that restored numpy kernels give bit-identical outputs (numpy's
            # division and XLA's differ in the last bit).
            kernels = {
                path: jnp.asarray(value)
                for path, value in params.items()
                if _is_kernel(path, value)
            }
            if not kernels:
                raise ValueError(f"SpectralNorm found no 'kernel' parameter in {type(self.module)}")
            if self.has_variable(self.collection, "u"):
                u_variable = self.variable(self.collection, "u")
            else:
                u_variable = self.variable(
                    self.collection, "u", self._init_u, self.make_rng("params"), kernels
                )
            stored_u = traverse_util.flatten_dict(u_variable.value)
            new_u = {}
            for path, kernel in kernels.items():
                new_u[path], _, sigma = power_iteration(
                    kernel_matrix(kernel), stored_u[path], n_steps=self.n_steps, eps=self.eps
                )
                params[path] = kernel / sigma
            if update_stats and not self.is_initializing():
                u_variable.value = traverse_util.unflatten_dict(new_u)
            return {**variables, "params": traverse_util.unflatten_dict(params)}

        forward = nn.map_variables(
            lambda module: module(*args, **kwargs),
            "params",
            trans_in_fn=normalize,
            init=self.is_initializing(),
            mutable=True,
        )
        return forward(self.module)

    @staticmethod
    def _init_u(key: jax.Array, kernels: dict) -> dict:
        """u ∼ N(0, I) for each kernel, as in the authors' code (normalized by the iteration)."""
        keys = jax.random.split(key, len(kernels))
        return traverse_util.unflatten_dict(
            {
                path: jax.random.normal(k, (kernel.shape[-1],), kernel.dtype)
                for k, (path, kernel) in zip(keys, kernels.items(), strict=True)
            }
        )


def minibatch_stddev(x: jax.Array, group_size: int = 4) -> jax.Array:
    """Appends the minibatch standard deviation as one more channel (see the module docstring).

    Args:
      x: ``[batch, ..., channels]`` (images ``[B, H, W, C]``, or features ``[B, F]``).
      group_size: G; the batch must be a multiple of min(G, B).

    Returns:
      ``[batch, ..., channels + 1]``: ``x`` and, in the last channel, the value of its group.
    """
    if x.ndim < 2:
        raise ValueError(f"minibatch_stddev needs x [batch, ..., channels], got shape {x.shape}")
    batch = x.shape[0]
    group = min(group_size, batch)
    if group < 1 or batch % group:
        raise ValueError(
            f"minibatch_stddev needs a batch that is a multiple of group_size; got batch {batch}, "
            f"group_size {group_size}"
        )
    groups = x.reshape(group, batch // group, *x.shape[1:]).astype(jnp.float32)
    variance = jnp.mean(jnp.square(groups - jnp.mean(groups, axis=0)), axis=0)
    std = jnp.mean(jnp.sqrt(variance + 1e-8), axis=tuple(range(1, x.ndim)))  # [B / G]
    channel = jnp.broadcast_to(
        jnp.tile(std, group).astype(x.dtype).reshape(batch, *(1,) * (x.ndim - 1)),
        (*x.shape[:-1], 1),
    )
    return jnp.concatenate([x, channel], axis=-1)


class MinibatchStdDev(nn.Module):
    """``minibatch_stddev`` as a layer (no parameters): ``[B, ..., C] → [B, ..., C + 1]``."""

    group_size: int = 4

    def __call__(self, x: jax.Array) -> jax.Array:
        return minibatch_stddev(x, self.group_size)
