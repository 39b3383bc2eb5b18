"""StarGAN's networks: one generator for every target domain, a discriminator with two heads.

Choi, Choi, Kim, Ha, Kim & Choo 2018, "StarGAN: Unified Generative Adversarial Networks for
Multi-Domain Image-to-Image Translation", CVPR, Appendix 7.2 (Tables 4 and 5), as in the
authors' PyTorch code (``model.py``: ``Generator``, ``Discriminator``). With ``width`` w and K
domains:

- ``StarGANGenerator(x, c')``: the target domain's one-hot c' (or, with several binary
  attributes, their 0/1 vector) tiled into K constant channels and concatenated to the
  image; Conv 7×7 w (zero pad 3) → IN → ReLU; per downsampling i = 1 .. n: Conv 4×4 stride 2
  (pad 1) of w·2^i → IN → ReLU; ``num_blocks`` residual blocks
  (``jaxgen.nn.cyclegan.ResnetBlock``); per upsampling: ConvTranspose 4×4 stride 2 → IN →
  ReLU; Conv 7×7 (zero pad 3) to the image's channels → tanh. The paper: w = 64, n = 2, six
  blocks. With ``skips`` (not in the paper), each upsampling's output is concatenated with the
  encoder's features of the same resolution (U-Net skips: the last convolution also reads the
  first one's output), a short path for the domains that change an image locally. With
  ``spatial_mixing`` (not in the paper), a ``SpatialMixing`` layer follows the residual blocks:
  y + M_ch(y), M_ch a learned linear map of the h·w positions of each channel (the token mixing
  of MLP-Mixer, Tolstikhin et al. 2021), which can express a permutation of the positions such
  as a 90° rotation exactly; convolutions can only build one from many local steps. With
  ``input_warps`` n > 0 (not in the paper), an ``InputWarp`` first replaces the image by a
  per-example mixture of itself and n learned maps of its positions, chosen from the image and
  the target domain, so that everything after it, the U-Net skips included, sees an image
  already turned where the translation needs a turn; with ``rigid_warp``, a ``RigidWarp`` (a
  spatial transformer that turns and shifts the image by an angle and a shift it reads from the
  image and the target domain) does the same with three numbers per example, and with
  ``turns`` K, a ``TurnMixture`` chooses per example among the image's K turns by 360°/K;
  ``pair_turns`` K, a ``PairTurns`` makes that choice per (source, target) pair, the source
  estimated by a head the game trains on the real domain labels.
- ``StarGANDiscriminator(x)``: per downsampling i = 0 .. n − 1, Conv 4×4 stride 2 (pad 1) of
  w·2^i → LeakyReLU 0.01 (no normalization: WGAN-GP's critic); then two heads on the
  ``[B, h, w, 2^(n−1)·w]`` features, h = H / 2^n: D_src, Conv 3×3 (pad 1, no bias) to one raw
  critic output per patch ``[B, h, w, 1]``, and D_cls, a Conv of kernel h × w (no padding, no
  bias) to the K domain logits ``[B, K]``. The paper: w = 64, n = 6 at 128² (2×2 patches).

Differences from the authors' code: instance normalization here has no learned scale and bias
and the residual blocks pad by reflection (``jaxgen.nn.cyclegan``'s, shared with CycleGAN); the
code's ``InstanceNorm2d(affine=True, track_running_stats=True)`` has both and zero padding.
Kernels start as Flax's default (LeCun normal, drawn flat: ``jaxgen.nn.initializers``; the
blocks': N(0, 0.02²)), the code's PyTorch defaults being similar in scale.

The ``tiny`` sizes for 8×8 images (``jaxgen.recipes.stargan``): ``StarGANGenerator(K, width=8,
num_downsamplings=0, num_blocks=1, outer_kernel=3)`` and ``StarGANDiscriminator(K, width=8,
num_downsamplings=2)``.
"""

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.nn.cyclegan import ResnetBlock, instance_norm
from jaxgen.nn.initializers import lecun_normal
from jaxgen.nn.layers import ConvTranspose


def _conv(features, kernel, stride=1, pad=0, use_bias=True):
    return nn.Conv(
        features,
        (kernel, kernel),
        strides=(stride, stride),
        padding=((pad, pad), (pad, pad)),
        use_bias=use_bias,
        kernel_init=lecun_normal(),
    )


def domain_vectors(domains: jax.Array, num_domains: int, dtype=jnp.float32) -> jax.Array:
    """The target label c' as a vector ``[B, K]``: the one-hot of int ``domains`` ``[B]``, or
    ``domains`` themselves where they already are vectors ``[B, K]`` (the paper's multi-label
    form: one 0/1 entry per attribute, e.g. CelebA's hair colours, male, young)."""
    if domains.ndim == 2:
        if domains.shape[1] != num_domains:
            raise ValueError(
                f"attribute vectors must be [batch, {num_domains}], got shape {domains.shape}"
            )
        return domains.astype(dtype)
    return jax.nn.one_hot(domains, num_domains, dtype=dtype)


def domain_channels(images: jax.Array, domains: jax.Array, num_domains: int) -> jax.Array:
    """``images`` ``[B, H, W, C]`` with the target label c' (``domain_vectors``: the one-hot of
    int ``domains`` ``[B]`` or attribute vectors ``[B, K]``) appended as K constant channels:
    ``[B, H, W, C + K]``."""
    onehot = domain_vectors(domains, num_domains, images.dtype)
    maps = jnp.broadcast_to(onehot[:, None, None, :], (*images.shape[:3], num_domains))
    return jnp.concatenate([images, maps], axis=-1)


class SpatialMixing(nn.Module):
    """``[B, h, w, C] → [B, h, w, C]``: y[b, q, c] = Σ_p x[b, p, c]·M[c, p, q] over the h·w
    positions p, q (one matrix per channel, no bias), M drawn from N(0, s²/(h·w)) with
    ``init_scale`` s: s = 1 is LeCun normal (fan-in h·w), s = 0 starts M at zero, so that the
    generator's y + M(y) starts as y and the map grows from the gradients alone (the
    zero-initialized residual branch of ReZero, Bachlechner et al. 2021).

    With ``shared``, one matrix M[p, q] serves every channel: the layer then moves each
    position's feature vector as a whole (a rotation still exactly) but cannot give different
    channels different displacements, which per-channel maps can, and through which the layers
    after them see the whole image at every position."""

    init_scale: float = 1.0
    shared: bool = False

    @nn.compact
    def __call__(self, x):
        batch, height, width, channels = x.shape
        positions = height * width
        mixing = self.param(
            "mixing",
            nn.initializers.normal(self.init_scale * positions**-0.5),
            (1 if self.shared else channels, positions, positions),
        )
        flat = x.reshape(batch, positions, channels)
        if self.shared:
            return jnp.einsum("bpc,pq->bqc", flat, mixing[0]).reshape(x.shape)
        return jnp.einsum("bpc,cpq->bqc", flat, mixing).reshape(x.shape)


def _localization(images, domains, num_domains, width, keep_layout=False):
    """The input warps' localization network φ, inside the calling module: the image with the
    target domain's one-hot channels → two 3×3 stride-2 convolutions of ``width`` and
    2·``width`` channels with ReLU → the mean over positions, ``[B, 2·width]``, or with
    ``keep_layout`` the features themselves flattened, ``[B, H/4·W/4·2·width]`` (a mean keeps
    stroke statistics but little of where the strokes are, e.g. whether a digit is turned)."""
    features = domain_channels(images, domains, num_domains)
    for i in range(2):
        features = nn.relu(_conv(width * 2**i, 3, stride=2, pad=1)(features))
    if keep_layout:
        return features.reshape(features.shape[0], -1)
    return features.mean((1, 2))


class InputWarp(nn.Module):
    """``(images [B, H, W, C], target domains int [B]) → images [B, H, W, C]``: a spatial
    transformer (Jaderberg et al. 2015) whose transforms are learned maps of the positions.

        x' = g_0·x + Σ_{k=1..n} g_k·(M_k x),   (M_k x)[q, c] = Σ_p x[p, c]·M_k[p, q],
        g = softmax(Dense(φ(x, c')))

    with n = ``num_warps`` matrices M_k of the H·W positions, shared by the channels and drawn
    from N(0, s²/(H·W)) (``init_scale`` s), and φ the localization network (``_localization``:
    two stride-2 convolutions of the image and the target's one-hot, then the mean over
    positions): the gates g ∈ Δ^n are chosen per example from the image and
    the target domain. M_k can become a permutation such as a 90° turn, and the gates pick the
    turn the translation needs (forwards into a turned domain, backwards out of one, none
    otherwise) before the generator's convolutions and skips see the image. Not in StarGAN."""

    num_domains: int
    num_warps: int
    width: int = 16
    init_scale: float = 1.0

    @nn.compact
    def __call__(self, images, domains):
        batch, height, width, channels = images.shape
        positions = height * width
        maps = self.param(
            "maps",
            nn.initializers.normal(self.init_scale * positions**-0.5),
            (self.num_warps, positions, positions),
        )
        features = _localization(images, domains, self.num_domains, self.width)
        gates = jax.nn.softmax(nn.Dense(self.num_warps + 1)(features))
        self.sow("intermediates", "gates", gates)  # kept only when asked for: mutable=[...]
        flat = images.reshape(batch, positions, channels)
        warped = jnp.einsum("bpc,kpq->bkqc", flat, maps)
        mixed = gates[:, 0, None, None] * flat + jnp.einsum("bk,bkqc->bqc", gates[:, 1:], warped)
        return mixed.reshape(images.shape)


def turn_and_shift(images, angles, shifts, background=-1.0):
    """``images`` ``[B, H, W, C]`` each turned anticlockwise by ``angles`` ``[B]`` (radians)
    about its centre and then moved by ``shifts`` ``[B, 2]`` (rows, columns; in half image
    sides), read by bilinear interpolation with ``background`` outside the image:

        out[i, j] = x[c + A_φ·((i, j) − c) − s·(H, W)/2],   A_φ = [[cos φ, sin φ], [−sin φ, cos φ]]

    (c the centre). Differentiable in the angles and shifts; φ = π/2 is ``np.rot90(x, 1)``
    exactly (up to rounding of cos φ)."""
    batch, height, width, channels = images.shape
    rows, cols = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    di, dj = rows - (height - 1) / 2, cols - (width - 1) / 2

    def one(image, angle, shift):
        cos, sin = jnp.cos(angle), jnp.sin(angle)
        source_rows = (height - 1) / 2 + cos * di + sin * dj - shift[0] * height / 2
        source_cols = (width - 1) / 2 - sin * di + cos * dj - shift[1] * width / 2

        def channel(plane):
            return jax.scipy.ndimage.map_coordinates(
                plane, [source_rows, source_cols], order=1, mode="constant", cval=background
            )

        return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)

    return jax.vmap(one)(images, angles, shifts)


class RigidWarp(nn.Module):
    """``(images [B, H, W, C], target domains int [B]) → images [B, H, W, C]``: a spatial
    transformer (Jaderberg, Simonyan, Zisserman & Kavukcuoglu 2015) restricted to rigid
    motions. The localization network φ (``_localization``) and a Dense to 3 numbers read the
    image with the target domain's one-hot and give per example an angle and a shift, and
    the image is turned and shifted by them (``turn_and_shift``, background −1). The Dense
    starts at zero, so the warp starts as the identity and turns only as far as the
    generator's losses ask. Not in StarGAN."""

    num_domains: int
    width: int = 16

    @nn.compact
    def __call__(self, images, domains):
        features = _localization(images, domains, self.num_domains, self.width)
        motion = nn.Dense(3, kernel_init=nn.initializers.zeros)(features)
        self.sow("intermediates", "angles", motion[:, 0])
        return turn_and_shift(images, motion[:, 0], motion[:, 1:])


class TurnMixture(nn.Module):
    """``(images [B, H, W, C], target domains int [B]) → images [B, H, W, C]``: the image
    replaced by a per-example mixture of its turns by the multiples of 360°/K,

        x' = Σ_{k=0..K−1} g_k·turn(x, 2πk/K),   g = softmax(Dense(φ(x, c')))

    (``turn_and_shift``; K = ``num_turns``; φ the localization network, ``_localization``), a
    spatial transformer that chooses among K candidate turns instead of descending on one
    angle: the choice is learned from how each candidate serves the losses, where a single
    angle only sees the local slope at 0°, which says nothing about a quarter turn. K = 4 gives
    exact permutations of the pixels (no interpolation), the rotated domain's quarter turn among
    them: a prior on the geometry, given on purpose. The Dense starts at zero (equal gates).
    Not in StarGAN."""

    num_domains: int
    num_turns: int = 4
    width: int = 16

    @nn.compact
    def __call__(self, images, domains):
        features = _localization(images, domains, self.num_domains, self.width)
        logits = nn.Dense(self.num_turns, kernel_init=nn.initializers.zeros)(features)
        gates = jax.nn.softmax(logits)
        self.sow("intermediates", "gates", gates)
        return mix_turns(images, gates)


def mix_turns(images, gates):
    """Σ_k gates[:, k]·turn(images, 2πk/K) for ``gates`` ``[B, K]`` (``turn_and_shift``)."""
    batch, num_turns = gates.shape
    turned = [
        turn_and_shift(images, jnp.full((batch,), 2 * jnp.pi * k / num_turns),
                       jnp.zeros((batch, 2)))
        for k in range(num_turns)
    ]  # fmt: skip
    return jnp.einsum("bk,kbhwc->bhwc", gates, jnp.stack(turned))


class PairTurns(nn.Module):
    """``(images [B, H, W, C], target domains int [B]) → images [B, H, W, C]``: a
    ``TurnMixture`` whose gates are looked up per (source, target) pair,

        x' = Σ_k g_k·turn(x, 2πk/K),   g = softmax(a·Σ_s p(s | x)·T[s, c']),
        p(· | x) = softmax(Dense(φ(x, c')))  (``source_logits``, sown),

    with T a learned table ``[domains, domains, K]`` (zero at the start: equal gates) and p the
    generator's own estimate of x's source domain, which the game trains on the real domain
    labels (``jaxgen.game.stargan``'s ``source_weight``; the table's gradient does not reach
    it). Each pair's gates then get the gradient of that pair's translations alone, where a
    ``TurnMixture``'s shared Dense lets one choice win for every pair. Not in StarGAN.

    ``table_scale`` a: Adam moves a parameter by about the learning rate per step, so a logit
    a·T moves a times faster (with a = 1 and a rate of 5e-4 the gates stayed near equal for
    1,470 steps). ``keep_layout``: φ keeps the positions (``_localization``), so that the
    source head can tell a turned digit from an upright one.

    ``poses``: instead of a free table, each domain d has a pose θ_d, a distribution
    q_d = softmax(a·P[d]) over the K quarter turns (learned; the first domain's is 0°, which
    only fixes the frame the others are measured in), and a pair's turn is the difference of
    the poses, θ_t − θ_s with θ_s ~ q_s and θ_t ~ q_t independent:

        g_k = Σ_j q_src(j)·q_t((j + k) mod K),   q_src = Σ_s p(s | x)·q_s.

    One domain's pose is then shared by every pair that has it, and the turns of (s, t) and
    (t, s) are inverse by construction, where the free table learned some pairs' turns and not
    others' (thickened ↔ rotated stayed on 0°) and, on one seed, the wrong but mutually
    inverse turns for a pair.

    ``turn`` (ints ``[B]``, optional, a call argument): use quarter turn ``turn`` instead of
    the gates, for the game's turn choice (``jaxgen.game.stargan``'s ``turn_choice_weight``,
    which scores every turn with the critic and trains the gates towards the best)."""

    num_domains: int
    num_turns: int = 4
    width: int = 16
    keep_layout: bool = False
    table_scale: float = 1.0
    poses: bool = False

    @nn.compact
    def __call__(self, images, domains, turn=None):
        if turn is not None:  # a forced turn: no source head, no gates (init without it)
            return mix_turns(images, jax.nn.one_hot(turn, self.num_turns))
        features = _localization(
            images, domains, self.num_domains, self.width, keep_layout=self.keep_layout
        )
        source_logits = nn.Dense(self.num_domains)(features)
        self.sow("intermediates", "source_logits", source_logits)
        source = jax.lax.stop_gradient(jax.nn.softmax(source_logits))
        if self.poses:
            gates = self._pose_difference(source, domains)
        else:
            table = self.param(
                "table",
                nn.initializers.zeros,
                (self.num_domains, self.num_domains, self.num_turns),
            )
            logits = self.table_scale * jnp.einsum("bs,sbk->bk", source, table[:, domains])
            gates = jax.nn.softmax(logits)
        self.sow("intermediates", "gates", gates)
        return mix_turns(images, gates)

    def _pose_difference(self, source, domains):
        """Gates ``[B, K]`` of θ_t − θ_s (the class docstring's ``poses``)."""
        free = self.param("poses", nn.initializers.zeros, (self.num_domains - 1, self.num_turns))
        reference = jax.nn.one_hot(jnp.zeros((1,), jnp.int32), self.num_turns)
        q = jnp.concatenate([reference, jax.nn.softmax(self.table_scale * free)])
        self.sow("intermediates", "poses", q)
        q_source, q_target = source @ q, q[domains]
        k = jnp.arange(self.num_turns)
        shifted = q_target[:, (k[:, None] + k[None, :]) % self.num_turns]  # [b, j, k]
        return jnp.einsum("bj,bjk->bk", q_source, shifted)


class StarGANGenerator(nn.Module):
    """``(images [B, H, W, C] in [−1, 1], target domains int [B]) → images [B, H, W, C]``, or
    with target attribute vectors ``[B, K]`` of 0/1 in place of the ints (the paper's CelebA
    form; then without the input warps).

    Attributes:
      num_domains: K.
      width: channels of the first convolution (the paper: 64).
      num_downsamplings: stride-2 convolutions (the paper: 2); H and W must be divisible by
        2^num_downsamplings.
      num_blocks: residual blocks at the lowest resolution (the paper: 6).
      outer_kernel: the side of the first and the last convolution (the paper: 7; odd).
      skips: concatenate each upsampling's output with the encoder's features of the same
        resolution (U-Net skips; the paper: none).
      spatial_mixing: add y + SpatialMixing(y) after the residual blocks (the paper: none).
      mixing_init_scale: the mixing layer's ``init_scale`` (1: LeCun normal; 0: zero).
      mixing_shared: one mixing matrix for every channel instead of one per channel.
      mixing_skips: with ``skips`` and ``spatial_mixing``, each skip's features also pass
        through a mixing layer of their own, e + SpatialMixing(e), so that the decoder gets a
        moved copy of the fine features too, not only of the bottleneck's (not in the paper).
      input_warps: n > 0 puts an ``InputWarp`` of n learned maps before everything else (not
        in the paper); 0: none.
      warp_init_scale: the warps' ``init_scale`` (1: LeCun normal; 0: zero).
      rigid_warp: a ``RigidWarp`` (a spatial transformer of rigid motions) before everything
        else (not in the paper).
      turns: K > 0 puts a ``TurnMixture`` of K candidate turns before everything else (not in
        the paper); 0: none.
      pair_turns: K > 0 puts a ``PairTurns`` (K turns, gates per (source, target) pair) before
        everything else (not in the paper); 0: none.
      pair_layout, pair_table_scale, pair_poses: its ``keep_layout``, ``table_scale`` and
        ``poses``.
    """

    num_domains: int
    width: int = 64
    num_downsamplings: int = 2
    num_blocks: int = 6
    outer_kernel: int = 7
    skips: bool = False
    spatial_mixing: bool = False
    mixing_init_scale: float = 1.0
    mixing_shared: bool = False
    mixing_skips: bool = False
    input_warps: int = 0
    warp_init_scale: float = 1.0
    rigid_warp: bool = False
    turns: int = 0
    pair_turns: int = 0
    pair_layout: bool = False
    pair_table_scale: float = 1.0
    pair_poses: bool = False

    @nn.compact
    def __call__(self, images, domains, turn=None):
        """``turn``: a ``PairTurns`` quarter turn per example instead of its gates (needs
        ``pair_turns``)."""
        factor = 2**self.num_downsamplings
        if images.ndim != 4 or images.shape[1] % factor or images.shape[2] % factor:
            raise ValueError(
                f"StarGANGenerator needs images [batch, H, W, C] with H and W divisible by "
                f"2^num_downsamplings = {factor}, got shape {images.shape}"
            )
        if domains.shape[:1] != images.shape[:1] or domains.ndim > 2:
            raise ValueError(
                f"domains must be ints [{images.shape[0]}] or attribute vectors "
                f"[{images.shape[0]}, {self.num_domains}], got shape {domains.shape}"
            )
        warps = self.input_warps or self.rigid_warp or self.turns or self.pair_turns
        if domains.ndim == 2 and warps:
            raise ValueError(
                "the input warps (input_warps, rigid_warp, turns, pair_turns) choose per target "
                "domain: they need int domains, not attribute vectors"
            )
        pad = self.outer_kernel // 2
        x = images
        if self.input_warps:
            warp = InputWarp(self.num_domains, self.input_warps, init_scale=self.warp_init_scale)
            x = warp(x, domains)
        if self.rigid_warp:
            x = RigidWarp(self.num_domains)(x, domains)
        if self.turns:
            x = TurnMixture(self.num_domains, self.turns)(x, domains)
        if self.pair_turns:
            pair = PairTurns(
                self.num_domains,
                self.pair_turns,
                keep_layout=self.pair_layout,
                table_scale=self.pair_table_scale,
                poses=self.pair_poses,
            )
            x = pair(x, domains, turn)
        elif turn is not None:
            raise ValueError("a forced turn needs the generator's PairTurns: set pair_turns")
        x = domain_channels(x, domains, self.num_domains)
        y = nn.relu(instance_norm(_conv(self.width, self.outer_kernel, pad=pad)(x)))
        encoded = []
        for i in range(1, self.num_downsamplings + 1):
            encoded.append(y)
            y = nn.relu(instance_norm(_conv(self.width * 2**i, 4, stride=2, pad=1)(y)))
        for _ in range(self.num_blocks):
            y = ResnetBlock()(y)
        if self.spatial_mixing:
            mixing = functools.partial(SpatialMixing, self.mixing_init_scale, self.mixing_shared)
            y = y + mixing()(y)
            if self.mixing_skips:
                encoded = [e + mixing()(e) for e in encoded]
        for i in reversed(range(self.num_downsamplings)):
            y = nn.relu(instance_norm(ConvTranspose(self.width * 2**i, (4, 4), (2, 2))(y)))
            if self.skips:
                y = jnp.concatenate([y, encoded[i]], axis=-1)
        return jnp.tanh(_conv(images.shape[-1], self.outer_kernel, pad=pad)(y))


class StarGANDiscriminator(nn.Module):
    """``images [B, H, W, C] → (critic outputs per patch [B, h, w, 1], domain logits [B, K])``.

    Attributes:
      num_domains: K.
      width: channels of the first convolution (the paper: 64), doubled at each further one.
      num_downsamplings: stride-2 convolutions (the paper: 6 at 128²); H and W must be
        divisible by 2^num_downsamplings.
      fake_class: K + 1 domain logits, the last for "a translation" (``jaxgen.game.stargan``'s
        ``fake_class_weight``; not in the paper).
    """

    num_domains: int
    width: int = 64
    num_downsamplings: int = 6
    fake_class: bool = False

    @nn.compact
    def __call__(self, images):
        factor = 2**self.num_downsamplings
        if images.ndim != 4 or images.shape[1] % factor or images.shape[2] % factor:
            raise ValueError(
                f"StarGANDiscriminator needs images [batch, H, W, C] with H and W divisible by "
                f"2^num_downsamplings = {factor}, got shape {images.shape}"
            )
        y = images
        for i in range(self.num_downsamplings):
            y = nn.leaky_relu(_conv(self.width * 2**i, 4, stride=2, pad=1)(y), 0.01)
        critic = _conv(1, 3, pad=1, use_bias=False)(y)
        classes = self.num_domains + 1 if self.fake_class else self.num_domains
        classifier = nn.Conv(
            classes, y.shape[1:3], padding="VALID", use_bias=False, kernel_init=lecun_normal()
        )
        return critic, classifier(y).reshape(images.shape[0], classes)
