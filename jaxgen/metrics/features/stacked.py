"""A grayscale digit classifier applied to each channel of a stacked-MNIST image.

Stacked MNIST (Metz et al. 2017, "Unrolled generative adversarial networks"; Srivastava et al.
2017, VEEGAN) puts three MNIST digits in the R, G, B channels, so it has 10³ = 1,000 modes.
A sample's mode is ``100·d_R + 10·d_G + d_B`` with ``d_c`` the classifier's digit for channel
``c``; its features are the three channels' features concatenated (``3F``). There are no
1,000-way logits, so the Inception Score is not defined on these features.
"""

import jax.numpy as jnp

from jaxgen.errors import UserError
from jaxgen.metrics.features.base import FeatureNetwork

NUM_MODES = 1000


def stacked_network(digit_network: FeatureNetwork) -> FeatureNetwork:
    """``digit_network`` per channel: ``{"features": [B, 3F], "modes": [B]}``."""

    def apply(variables, images):
        images = jnp.asarray(images, jnp.float32)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise UserError(
                f"stacked-MNIST features take RGB images [B, H, W, 3], got {list(images.shape)}"
            )
        outputs = [digit_network.apply(variables, images[..., c : c + 1]) for c in range(3)]
        digits = [jnp.argmax(o["logits"], axis=-1) for o in outputs]
        return {
            "features": jnp.concatenate([o["features"] for o in outputs], axis=-1),
            "modes": 100 * digits[0] + 10 * digits[1] + digits[2],
        }

    card = {**digit_network.card, "name": f"stacked-{digit_network.name}", "num_modes": NUM_MODES}
    return FeatureNetwork(card["name"], apply, digit_network.variables, card)
