"""The FID InceptionV3: the 2015-12-05 TensorFlow graph of Heusel et al. (2017), in Flax.

FID (Heusel et al. 2017, "GANs trained by a two time-scale update rule converge to a local Nash
equilibrium") and the Inception Score are defined on one network: the InceptionV3 of Szegedy et
al. (2016, "Rethinking the Inception architecture for computer vision") exported by TensorFlow
on 2015-12-05 (``inception-2015-12-05.tgz``), which the official TTUR code loads. FID uses its
2048 pool3 features, the Inception Score its 1008 logits (1000 ImageNet classes and 8 unused).
This module is that graph as ported by pytorch-fid (``FIDInceptionA/C/E_1/E_2``) and by
torch-fidelity (``feature_extractor_inceptionv3.py``). It differs from torchvision's
InceptionV3 in three places:

- the 3×3 average pools of the A, C and first E blocks do not count the zero padding
  (``count_include_pad=False``): at a border the mean is over the pixels inside the image;
- the pool branch of the last E block (``Mixed_7c``) is a 3×3 *max* pool, not an average;
- the classifier has 1008 outputs.

Every convolution is ``BasicConv2d``: Conv (no bias) → BatchNorm in inference mode,
``(x − μ) / √(σ² + 0.001) · γ + β`` → ReLU. Layer names are those of the PyTorch state dict
(``Mixed_6b/branch7x7_2/conv/kernel`` ↔ ``Mixed_6b.branch7x7_2.conv.weight``), so that
``convert_inception`` is a renaming plus OIHW → HWIO.

Input pipeline (torch-fidelity's, which reproduces the TensorFlow graph):
  1. ``images`` [batch, height, width, channels] in [−1, 1] become pixels ``u = (x + 1) · 127.5``,
     rounded to the integers 0..255 (``quantize=True``, the default: torch-fidelity only takes
     uint8 images, and samples saved as PNG are rounded the same way, as in
     ``jaxgen.train.images``); one channel is repeated to three.
  2. TensorFlow 1's ``resize_bilinear(align_corners=False)`` to 299 × 299
     (``resize_bilinear_tf1``): output pixel ``i`` samples the input at ``i · in / out``, with
     no half-pixel offset, and interpolates between ``floor`` and ``floor + 1`` (clamped).
  3. ``(u − 128) / 128``, the graph's ``Sub``/``Mul`` nodes, giving [−1, 0.9922].

pytorch-fid resizes differently: ``F.interpolate(bilinear, align_corners=False)`` samples at
``(i + 0.5) · in / out − 0.5`` (half-pixel centers), a shift of about half an input pixel for
upsampling; and it normalizes ``2 · u / 255 − 1`` ∈ [−1, 1] instead of ``(u − 128) / 128``.
Measured by ``.venv/bin/python tests/metrics/test_inception.py`` (its
``measure_pytorch_fid_difference``), on 4 images each, with the tests' random weights:

    images              max |Δ resize|  mean |Δ resize|  max |Δ norm|  Δ features  Δ logits
    uniform 32×32×3     161.9 levels    36.2 levels      0.0078        1.5 %       1.5 %
    MNIST 28×28×1       157.3 levels    12.6 levels      0.0078        1.3 %       1.2 %

(levels of 0..255; Δ features and Δ logits: RMS of the difference over RMS of ours, for the
whole pytorch-fid pipeline; the resize alone gives 1.5 % / 1.3 %.) Sharp edges move by half a
pixel, hence the large maxima. Random weights only show the order of magnitude: FIDs computed
through the two pipelines are not interchangeable.

Weights: pytorch-fid's ``pt_inception-2015-12-05-6726825d.pth`` (``WEIGHTS_URL``, the same
bytes as torch-fidelity's ``weights-inception-2015-12-05-6726825d.pth``), converted once by
``python -m jaxgen.metrics.features.convert_inception SRC.pth OUT.npz``; the .npz records the
SHA-256 of its source file, which must be ``PUBLISHED_SHA256`` unless
``expected_sha256=None`` (tests with random weights).
"""

import os

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from flax import traverse_util
from jax import lax

from jaxgen.errors import UserError
from jaxgen.metrics.features.base import FeatureNetwork

WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth"
)
# The full SHA-256 of the file above (95,628,359 bytes); its filename carries the first 8 hex.
PUBLISHED_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
WEIGHTS_ENV = "JAXGEN_INCEPTION_WEIGHTS"
INPUT_SIZE = 299
FEATURE_DIM = 2048
NUM_LOGITS = 1008
SOURCE_SHA256_KEY = "source_sha256"


class BasicConv2d(nn.Module):
    """Conv without bias → BatchNorm (inference, ε = 0.001) → ReLU; padding (rows, columns)."""

    features: int
    kernel_size: tuple[int, int]
    strides: int = 1
    padding: tuple[int, int] = (0, 0)

    @nn.compact
    def __call__(self, x):
        rows, columns = self.padding
        x = nn.Conv(
            self.features,
            self.kernel_size,
            strides=self.strides,
            padding=((rows, rows), (columns, columns)),
            use_bias=False,
            name="conv",
        )(x)
        x = nn.BatchNorm(use_running_average=True, epsilon=1e-3, name="bn")(x)
        return nn.relu(x)


def avg_pool_3x3(x):
    """3×3, stride 1, padding 1, averaging over the pixels inside the image only (TensorFlow).

    The count of inside pixels is static: (rows in the window) · (columns in the window).
    Written out rather than ``nn.avg_pool(count_include_pad=False)``, whose divisor is an
    array of the default dtype (float64 under x64, which strict promotion refuses).
    """
    total = lax.reduce_window(
        x,
        jnp.zeros((), x.dtype),
        lax.add,
        (1, 3, 3, 1),
        (1, 1, 1, 1),
        ((0, 0), (1, 1), (1, 1), (0, 0)),
    )
    rows = np.convolve(np.ones(x.shape[1]), np.ones(3), mode="same")
    columns = np.convolve(np.ones(x.shape[2]), np.ones(3), mode="same")
    return total / jnp.asarray(np.outer(rows, columns)[None, :, :, None], x.dtype)


def max_pool_3x3(x, strides=1):
    """3×3 max pool; stride 1 keeps the size (padding 1), stride 2 has no padding."""
    padding = ((1, 1), (1, 1)) if strides == 1 else "VALID"
    return nn.max_pool(x, (3, 3), strides=(strides, strides), padding=padding)


def conv(name, features, kernel_size, strides=1, padding=(0, 0)):
    """A ``BasicConv2d`` named as in the PyTorch state dict; an int kernel size is square."""
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    return BasicConv2d(features, kernel_size, strides, padding, name=name)


class InceptionA(nn.Module):
    """35×35 block: 1×1 | 1×1 → 5×5 | 1×1 → 3×3 → 3×3 | avg pool → 1×1 (Fig. 5 of the paper)."""

    pool_features: int

    @nn.compact
    def __call__(self, x):
        branch1x1 = conv("branch1x1", 64, 1)(x)
        branch5x5 = conv("branch5x5_1", 48, 1)(x)
        branch5x5 = conv("branch5x5_2", 64, 5, padding=(2, 2))(branch5x5)
        branch3x3dbl = conv("branch3x3dbl_1", 64, 1)(x)
        branch3x3dbl = conv("branch3x3dbl_2", 96, 3, padding=(1, 1))(branch3x3dbl)
        branch3x3dbl = conv("branch3x3dbl_3", 96, 3, padding=(1, 1))(branch3x3dbl)
        branch_pool = conv("branch_pool", self.pool_features, 1)(avg_pool_3x3(x))
        return jnp.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=-1)


class InceptionB(nn.Module):
    """35 → 17 grid reduction: 3×3 stride 2 | 1×1 → 3×3 → 3×3 stride 2 | max pool stride 2."""

    @nn.compact
    def __call__(self, x):
        branch3x3 = conv("branch3x3", 384, 3, strides=2)(x)
        branch3x3dbl = conv("branch3x3dbl_1", 64, 1)(x)
        branch3x3dbl = conv("branch3x3dbl_2", 96, 3, padding=(1, 1))(branch3x3dbl)
        branch3x3dbl = conv("branch3x3dbl_3", 96, 3, strides=2)(branch3x3dbl)
        branch_pool = max_pool_3x3(x, strides=2)
        return jnp.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=-1)


class InceptionC(nn.Module):
    """17×17 block with 7×7 convolutions factorized into 1×7 and 7×1 (Fig. 6 of the paper)."""

    channels_7x7: int

    @nn.compact
    def __call__(self, x):
        c7 = self.channels_7x7
        branch1x1 = conv("branch1x1", 192, 1)(x)
        branch7x7 = conv("branch7x7_1", c7, 1)(x)
        branch7x7 = conv("branch7x7_2", c7, (1, 7), padding=(0, 3))(branch7x7)
        branch7x7 = conv("branch7x7_3", 192, (7, 1), padding=(3, 0))(branch7x7)
        branch7x7dbl = conv("branch7x7dbl_1", c7, 1)(x)
        branch7x7dbl = conv("branch7x7dbl_2", c7, (7, 1), padding=(3, 0))(branch7x7dbl)
        branch7x7dbl = conv("branch7x7dbl_3", c7, (1, 7), padding=(0, 3))(branch7x7dbl)
        branch7x7dbl = conv("branch7x7dbl_4", c7, (7, 1), padding=(3, 0))(branch7x7dbl)
        branch7x7dbl = conv("branch7x7dbl_5", 192, (1, 7), padding=(0, 3))(branch7x7dbl)
        branch_pool = conv("branch_pool", 192, 1)(avg_pool_3x3(x))
        return jnp.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=-1)


class InceptionD(nn.Module):
    """17 → 8 grid reduction: 1×1 → 3×3 s2 | 1×1 → 1×7 → 7×1 → 3×3 s2 | max pool s2."""

    @nn.compact
    def __call__(self, x):
        branch3x3 = conv("branch3x3_1", 192, 1)(x)
        branch3x3 = conv("branch3x3_2", 320, 3, strides=2)(branch3x3)
        branch7x7x3 = conv("branch7x7x3_1", 192, 1)(x)
        branch7x7x3 = conv("branch7x7x3_2", 192, (1, 7), padding=(0, 3))(branch7x7x3)
        branch7x7x3 = conv("branch7x7x3_3", 192, (7, 1), padding=(3, 0))(branch7x7x3)
        branch7x7x3 = conv("branch7x7x3_4", 192, 3, strides=2)(branch7x7x3)
        branch_pool = max_pool_3x3(x, strides=2)
        return jnp.concatenate([branch3x3, branch7x7x3, branch_pool], axis=-1)


class InceptionE(nn.Module):
    """8×8 block with expanded 1×3 / 3×1 outputs (Fig. 7); ``pool`` is "avg" or "max"."""

    pool: str

    @nn.compact
    def __call__(self, x):
        branch1x1 = conv("branch1x1", 320, 1)(x)
        branch3x3 = conv("branch3x3_1", 384, 1)(x)
        branch3x3 = jnp.concatenate(
            [
                conv("branch3x3_2a", 384, (1, 3), padding=(0, 1))(branch3x3),
                conv("branch3x3_2b", 384, (3, 1), padding=(1, 0))(branch3x3),
            ],
            axis=-1,
        )
        branch3x3dbl = conv("branch3x3dbl_1", 448, 1)(x)
        branch3x3dbl = conv("branch3x3dbl_2", 384, 3, padding=(1, 1))(branch3x3dbl)
        branch3x3dbl = jnp.concatenate(
            [
                conv("branch3x3dbl_3a", 384, (1, 3), padding=(0, 1))(branch3x3dbl),
                conv("branch3x3dbl_3b", 384, (3, 1), padding=(1, 0))(branch3x3dbl),
            ],
            axis=-1,
        )
        # The 2015-12-05 graph max-pools in Mixed_7c where the paper (and torchvision) average.
        pooled = avg_pool_3x3(x) if self.pool == "avg" else max_pool_3x3(x)
        branch_pool = conv("branch_pool", 192, 1)(pooled)
        return jnp.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=-1)


class FIDInceptionV3(nn.Module):
    """[batch, 299, 299, 3] normalized to [−1, 1] → {"features": [batch, 2048] (pool3),
    "logits": [batch, 1008]}."""

    @nn.compact
    def __call__(self, x):
        x = conv("Conv2d_1a_3x3", 32, 3, strides=2)(x)  # 149 × 149
        x = conv("Conv2d_2a_3x3", 32, 3)(x)  # 147
        x = conv("Conv2d_2b_3x3", 64, 3, padding=(1, 1))(x)
        x = max_pool_3x3(x, strides=2)  # 73
        x = conv("Conv2d_3b_1x1", 80, 1)(x)
        x = conv("Conv2d_4a_3x3", 192, 3)(x)  # 71
        x = max_pool_3x3(x, strides=2)  # 35
        x = InceptionA(32, name="Mixed_5b")(x)
        x = InceptionA(64, name="Mixed_5c")(x)
        x = InceptionA(64, name="Mixed_5d")(x)
        x = InceptionB(name="Mixed_6a")(x)  # 17
        x = InceptionC(128, name="Mixed_6b")(x)
        x = InceptionC(160, name="Mixed_6c")(x)
        x = InceptionC(160, name="Mixed_6d")(x)
        x = InceptionC(192, name="Mixed_6e")(x)
        x = InceptionD(name="Mixed_7a")(x)  # 8
        x = InceptionE("avg", name="Mixed_7b")(x)
        x = InceptionE("max", name="Mixed_7c")(x)
        features = jnp.mean(x, axis=(1, 2))
        logits = nn.Dense(NUM_LOGITS, name="fc")(features)
        return {"features": features, "logits": logits}


def _tf1_sample_points(in_size, out_size):
    """TensorFlow 1's source rows for ``align_corners=False``: ``i · in / out``, no offset.

    Computed in float32 as in TensorFlow and torch-fidelity (the scale rounded to float32 once,
    then ``i · scale``), so that the resize matches theirs to the last bit.
    """
    coords = np.arange(out_size, dtype=np.float32) * np.float32(in_size / out_size)
    lower = coords.astype(np.int32)  # floor, coords >= 0
    upper = np.minimum(lower + 1, in_size - 1)
    return lower, upper, coords - lower.astype(np.float32)


def resize_bilinear_tf1(images, size):
    """``tf.compat.v1.image.resize_bilinear(images, (size, size), align_corners=False)``.

    ``images`` [batch, height, width, channels] → [batch, size, size, channels]. Output pixel
    ``(i, j)`` samples the input at ``(i · H / size, j · W / size)`` and interpolates
    linearly, first along the width, then along the height (torch-fidelity's order). The sample
    points are static, so this is two gathers and two lerps, jittable.
    """
    rows_lo, rows_hi, row_frac = _tf1_sample_points(images.shape[1], size)
    cols_lo, cols_hi, col_frac = _tf1_sample_points(images.shape[2], size)
    col_frac = jnp.asarray(col_frac)[:, None]
    row_frac = jnp.asarray(row_frac)[:, None, None]

    def along_width(rows):
        left, right = rows[:, :, cols_lo], rows[:, :, cols_hi]
        return left + (right - left) * col_frac

    top = along_width(images[:, rows_lo])
    bottom = along_width(images[:, rows_hi])
    return top + (bottom - top) * row_frac


def preprocess(images, *, quantize=True):
    """Signed images [batch, H, W, 1 or 3] → the network's input [batch, 299, 299, 3].

    Pixels ``u = (x + 1) · 127.5`` (rounded to 0..255 when ``quantize``), the TF1 resize to
    299, then ``(u − 128) / 128`` (module docstring).
    """
    images = jnp.asarray(images, jnp.float32)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"images must have shape [batch, height, width, 1 or 3], got {images.shape}"
        )
    if images.shape[-1] == 1:
        images = jnp.repeat(images, 3, axis=-1)
    pixels = (images + 1.0) * 127.5
    if quantize:
        pixels = jnp.round(jnp.clip(pixels, 0.0, 255.0))
    pixels = resize_bilinear_tf1(pixels, INPUT_SIZE)
    return (pixels - 128.0) / 128.0


def _missing_weights_message(path):
    where = f"no file at {path}" if path else f"no weights given and {WEIGHTS_ENV} is unset"
    return (
        f"InceptionV3 weights not found ({where}): download pytorch-fid's {WEIGHTS_URL} and "
        "convert it once (needs torch) with `python -m jaxgen.metrics.features.convert_inception "
        "pt_inception-2015-12-05-6726825d.pth inception-2015-12-05.npz`, then pass "
        f"weights='inception-2015-12-05.npz' or set {WEIGHTS_ENV}"
    )


def load_weights(path, *, expected_sha256=PUBLISHED_SHA256):
    """The variables ``{"params", "batch_stats"}`` of a converted .npz and its source SHA-256.

    Raises ``UserError`` (one line) when the file is missing, is not a converted InceptionV3,
    or was converted from a file whose SHA-256 is not ``expected_sha256`` (None: no check).
    """
    if not path or not os.path.isfile(path):
        raise UserError(_missing_weights_message(path))
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    source_sha256 = str(arrays.pop(SOURCE_SHA256_KEY, ""))
    if expected_sha256 is not None and source_sha256 != expected_sha256:
        raise UserError(
            f"{path} was converted from a file with SHA-256 {source_sha256 or '(none)'}, not "
            f"pytorch-fid's pt_inception-2015-12-05-6726825d.pth ({expected_sha256}): "
            f"download {WEIGHTS_URL} and convert it again"
        )
    variables = traverse_util.unflatten_dict(arrays, sep="/")
    expected = jax.eval_shape(
        FIDInceptionV3().init,
        jax.random.PRNGKey(0),
        jax.ShapeDtypeStruct((1, INPUT_SIZE, INPUT_SIZE, 3), jnp.float32),
    )
    expected_shapes = {k: v.shape for k, v in traverse_util.flatten_dict(expected, sep="/").items()}
    shapes = {k: v.shape for k, v in arrays.items()}
    if shapes != expected_shapes:
        wrong = sorted(set(shapes.items()) ^ set(expected_shapes.items()))[:3]
        raise UserError(
            f"{path} is not a converted FID InceptionV3 (first mismatches: {wrong}): "
            "convert pytorch-fid's .pth with `python -m jaxgen.metrics.features.convert_inception`"
        )
    return jax.tree_util.tree_map(jnp.asarray, variables), source_sha256


def inception_network(weights=None, *, expected_sha256=PUBLISHED_SHA256, quantize=True):
    """The FID InceptionV3 as a ``FeatureNetwork`` named ``inception``.

    Args:
      weights: path of the .npz written by ``convert_inception``; None reads the path from the
        environment variable ``JAXGEN_INCEPTION_WEIGHTS``. Missing: a one-line ``UserError``
        that says where to download the .pth and how to convert it.
      expected_sha256: the SHA-256 that the .npz must record for its source .pth: pytorch-fid's
        published file by default; None skips the check (random weights in tests).
      quantize: round the pixels to 0..255 before the resize, as torch-fidelity's uint8 input.

    Returns: ``FeatureNetwork`` whose ``apply(images [B, H, W, 1 or 3] in [-1, 1])`` gives
      ``{"features": [B, 2048], "logits": [B, 1008]}``. The network proper is jitted with the
      weights as an argument (one compilation per batch size, ~3 s on 2 CPU cores), so calling
      ``apply`` directly is the cheap way. ``apply`` can also be jitted as a whole (with batch
      shardings over a mesh, say), but then JAX 0.10 embeds the closed-over 95 MB of weights as
      constants in the HLO (~1 s more to lower on CPU, and the memory that takes).
    """
    path = weights if weights is not None else os.environ.get(WEIGHTS_ENV)
    variables, source_sha256 = load_weights(path, expected_sha256=expected_sha256)
    network = FIDInceptionV3()

    def apply(variables, images):
        return network.apply(variables, preprocess(images, quantize=quantize))

    card = {
        "name": "inception",
        "weights_sha256": source_sha256,
        "input_size": INPUT_SIZE,
        "resize": "tf1-bilinear (torch-fidelity)",
        "normalization": "(u - 128) / 128 on pixels u in [0, 255]",
        "quantize": quantize,
    }
    return FeatureNetwork(name="inception", apply=apply, variables=variables, card=card)


__all__ = [
    "FIDInceptionV3",
    "PUBLISHED_SHA256",
    "WEIGHTS_URL",
    "inception_network",
    "load_weights",
    "preprocess",
    "resize_bilinear_tf1",
]
