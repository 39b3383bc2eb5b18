"""GAN objectives against their definitions with D = σ(l), in float64."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen import UserError
from jaxgen.losses import gan, get_objective


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


LOGITS = np.linspace(-8, 8, 17)


def test_discriminator_loss_is_minus_log_likelihood_of_the_labels():
    real, fake = LOGITS, LOGITS[::-1]
    expected = -np.log(sigmoid(real)) - np.log(1 - sigmoid(fake))
    np.testing.assert_allclose(
        gan.discriminator_loss(jnp.array(real), jnp.array(fake)), expected, rtol=1e-12
    )


def test_generator_losses():
    np.testing.assert_allclose(
        gan.minimax_generator_loss(jnp.array(LOGITS)), np.log(1 - sigmoid(LOGITS)), rtol=1e-12
    )
    np.testing.assert_allclose(
        gan.non_saturating_generator_loss(jnp.array(LOGITS)), -np.log(sigmoid(LOGITS)), rtol=1e-12
    )


def test_non_saturating_gradient_is_strong_where_minimax_saturates():
    """At l_fake = −8 (D confident the fake is fake) the minimax gradient nearly vanishes."""
    ns = jax.grad(lambda logit: gan.non_saturating_generator_loss(logit[None])[0])(-8.0)
    mm = jax.grad(lambda logit: gan.minimax_generator_loss(logit[None])[0])(-8.0)
    np.testing.assert_allclose(ns, -(1 - sigmoid(-8.0)), rtol=1e-12)
    np.testing.assert_allclose(mm, -sigmoid(-8.0), rtol=1e-12)
    assert abs(ns) > 1000 * abs(mm)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("logit", [-100.0, 100.0])
def test_losses_and_gradients_are_finite_at_extreme_logits(dtype, logit):
    x = jnp.full((3,), logit, dtype)
    for name in ("gan", "nsgan"):
        d_loss, g_loss = get_objective(name)
        for fn in (lambda v, f=d_loss: f(v, v).sum(), lambda v, f=g_loss: f(v).sum()):
            value, grad = jax.value_and_grad(fn)(x)
            assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_losses_are_per_example_for_column_logits():
    logits = jnp.array(LOGITS)[:, None]
    assert gan.discriminator_loss(logits, logits).shape == (17,)


def test_unknown_objective_is_one_line():
    with pytest.raises(UserError, match="did you mean 'nsgan'") as error:
        get_objective("nsgn")
    assert "\n" not in str(error.value)
