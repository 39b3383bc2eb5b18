"""WGAN's weight clipping: chained after an optimizer, the parameters land in [−c, c]."""

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen.game.weight_clipping import clip_weights


def test_clipped_sgd_equals_the_hand_update():
    params = {"w": jnp.array([0.005, -0.02, 0.3]), "b": jnp.array(0.009)}
    grads = {"w": jnp.array([-1.0, 1.0, 0.0]), "b": jnp.array(-0.5)}
    optimizer = optax.chain(optax.sgd(0.01), clip_weights(0.01))
    state = optimizer.init(params)
    updates, _ = optimizer.update(grads, state, params)
    new = optax.apply_updates(params, updates)
    # w: 0.005 + 0.01 = 0.015 → 0.01; −0.02 − 0.01 → −0.01; 0.3 → 0.01; b: 0.009 + 0.005 → 0.01
    np.testing.assert_allclose(new["w"], [0.01, -0.01, 0.01], rtol=1e-6)
    np.testing.assert_allclose(new["b"], 0.01, rtol=1e-6)


def test_parameters_inside_the_box_move_freely():
    params = {"w": jnp.array([0.001, -0.002])}
    optimizer = optax.chain(optax.sgd(0.001), clip_weights(0.01))
    updates, _ = optimizer.update({"w": jnp.array([1.0, -1.0])}, optimizer.init(params), params)
    np.testing.assert_allclose(optax.apply_updates(params, updates)["w"], [0.0, -0.001], atol=1e-9)


def test_needs_params_and_a_positive_limit():
    with pytest.raises(ValueError, match="positive"):
        clip_weights(0.0)
    transform = clip_weights(0.01)
    with pytest.raises(ValueError, match="needs the parameters"):
        transform.update({"w": jnp.zeros(2)}, transform.init(None))
