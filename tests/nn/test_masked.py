"""``conv_mask`` and ``MaskedConv``: the raster and R → G → B order, checked with Jacobians of
stacks of masked convolutions against the set of pixels and channels each output may see."""

import flax.linen as nn
import jax
import numpy as np
import pytest

from jaxgen.nn.masked import MaskedConv, conv_mask


def test_single_channel_masks_drop_the_centre_for_a_only():
    a = conv_mask((3, 3), 1, 1, "A", 1)[..., 0, 0]
    b = conv_mask((3, 3), 1, 1, "B", 1)[..., 0, 0]
    np.testing.assert_array_equal(a, [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(b, [[1, 1, 1], [1, 1, 0], [0, 0, 0]])


def test_rgb_centre_taps_follow_the_channel_order():
    a = conv_mask((1, 1), 3, 6, "A", 3)[0, 0]
    b = conv_mask((1, 1), 6, 3, "B", 3)[0, 0]
    # A: output features 0-1 (R) see nothing, 2-3 (G) see R, 4-5 (B) see R and G.
    np.testing.assert_array_equal(a.sum(0), [0, 0, 1, 1, 2, 2])
    # B: output R sees input features 0-1, G sees 0-3, B sees all six.
    np.testing.assert_array_equal(b.sum(0), [2, 4, 6])


class Stack(nn.Module):
    """One mask-A layer, then mask-B layers, as in PixelCNN."""

    channels: int
    width: int = 6
    depth: int = 3

    @nn.compact
    def __call__(self, x):
        x = MaskedConv(self.width, (3, 3), "A", self.channels)(x)
        for _ in range(self.depth - 1):
            x = MaskedConv(self.width, (3, 3), "B", self.channels)(jax.nn.tanh(x))
        return MaskedConv(self.channels, (1, 1), "B", self.channels)(jax.nn.tanh(x))


@pytest.mark.parametrize("channels", [1, 3])
def test_a_stack_of_masked_convs_sees_only_earlier_values(channels):
    shape = (5, 5, channels)
    model = Stack(channels)
    x = np.random.default_rng(0).normal(size=(1, *shape)).astype(np.float32)
    params = model.init(jax.random.PRNGKey(0), x)
    # Random biases and kernels so that no dependency hides behind a zero.
    leaves, treedef = jax.tree.flatten(params)
    rng = np.random.default_rng(1)
    params = jax.tree.unflatten(treedef, [rng.normal(size=v.shape) for v in leaves])
    jacobian = jax.jacobian(lambda v: model.apply(params, v[None])[0])(x[0])
    seen = np.abs(np.asarray(jacobian)) > 0  # [H, W, C, H, W, C]
    height, width = shape[:2]
    index = np.arange(height * width * channels).reshape(shape)
    pixel, channel = index // channels, index % channels
    earlier = (pixel[..., None, None, None] > pixel[None, None, None]) | (
        (pixel[..., None, None, None] == pixel[None, None, None])
        & (channel[..., None, None, None] > channel[None, None, None])
    )
    assert not np.any(seen & ~earlier), "an output sees a value at or after its own"
    # 3×3 kernels, depth 3: the pixel to the left and the one above are always seen.
    assert seen[2, 2, 0, 2, 1, 0] and seen[2, 2, 0, 1, 2, 0]
    if channels == 3:
        assert seen[2, 2, 2, 2, 2, 0] and seen[2, 2, 2, 2, 2, 1] and not seen[2, 2, 0, 2, 2, 1]


def test_bad_groups_and_kernels_are_refused():
    with pytest.raises(ValueError, match="multiple of 3"):
        conv_mask((3, 3), 4, 6, "B", 3)
    with pytest.raises(ValueError, match="odd kernel"):
        conv_mask((2, 3), 3, 3, "B", 3)
    with pytest.raises(ValueError, match="'A' or 'B'"):
        conv_mask((3, 3), 3, 3, "C", 3)
