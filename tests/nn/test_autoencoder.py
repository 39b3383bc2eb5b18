"""Auto-encoder discriminators: shapes, pinned parameter counts, and that they can reconstruct."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen.losses import energy
from jaxgen.nn.autoencoder import ConvAutoencoder, MLPAutoencoder


def count(variables):
    return sum(x.size for x in jax.tree.leaves(variables["params"]))


@pytest.mark.parametrize(
    "resolution, channels, stages",
    [(8, 1, 2), (28, 1, None), (32, 3, None)],
)
def test_conv_autoencoder_shapes(resolution, channels, stages):
    model = ConvAutoencoder(resolution, channels, width=4, embedding_dim=6, stages=stages)
    x = jnp.zeros((2, resolution, resolution, channels))
    reconstruction, embedding = jax.eval_shape(
        lambda: model.apply(model.init(jax.random.PRNGKey(0), x), x)
    )
    assert reconstruction.shape == x.shape
    assert embedding.shape == (2, 6)


def test_conv_autoencoder_refuses_other_image_shapes():
    model = ConvAutoencoder(8, 1, width=4, embedding_dim=6, stages=2)
    with pytest.raises(ValueError, match=r"images \[B, 8, 8, 1\]"):
        model.init(jax.random.PRNGKey(0), jnp.zeros((2, 8, 8, 3)))


@pytest.mark.parametrize("shape", [(2,), (3, 5)])
def test_mlp_autoencoder_shapes(shape):
    model = MLPAutoencoder((16, 8), embedding_dim=3)
    x = jnp.zeros((4, *shape))
    reconstruction, embedding = jax.eval_shape(
        lambda: model.apply(model.init(jax.random.PRNGKey(0), x), x)
    )
    assert reconstruction.shape == x.shape
    assert embedding.shape == (4, 3)


# Counted by hand, ConvAutoencoder(8, 1, width=16, embedding_dim=32, stages=2) (base 2):
#   encoder Conv 4·4·1·16+16 (272) + Conv 4·4·16·32+32 (8,224) + Dense 2·2·32·32+32 (4,128);
#   decoder Dense 32·2·2·32+128 (4,224) + ConvT 4·4·32·16+16 (8,208) + ConvT 4·4·16·1+1 (257):
#   25,313. batch_norm adds scale and bias on the encoder's second layer (2·32) and after the
#   decoder's Dense (2·32) and first ConvT (2·16): 160 more, 25,473.
# MLPAutoencoder((128,), 16) on 2-D points: 2·128+128 (384) + 128·16+16 (2,064) + 16·128+128
#   (2,176) + 128·2+2 (258) = 4,882.
@pytest.mark.parametrize("batch_norm, expected", [(False, 25_313), (True, 25_473)])
def test_conv_autoencoder_parameter_count(batch_norm, expected):
    model = ConvAutoencoder(8, 1, 16, 32, stages=2, batch_norm=batch_norm)
    x = jnp.zeros((1, 8, 8, 1))
    variables = jax.eval_shape(lambda: model.init(jax.random.PRNGKey(0), x, train=False))
    assert count(variables) == expected
    assert ("batch_stats" in variables) == batch_norm


def test_mlp_autoencoder_parameter_count():
    model = MLPAutoencoder((128,), 16)
    variables = jax.eval_shape(lambda: model.init(jax.random.PRNGKey(0), jnp.zeros((1, 2))))
    assert count(variables) == 4_882


def test_batch_norm_updates_running_statistics_in_training():
    model = ConvAutoencoder(8, 1, 4, 6, stages=2, batch_norm=True)
    x = jax.random.uniform(jax.random.PRNGKey(0), (4, 8, 8, 1), minval=-1.0, maxval=1.0)

    @jax.jit
    def init_and_train_step():
        variables = model.init(jax.random.PRNGKey(1), x, train=False)
        return variables, model.apply(variables, x, train=True, mutable=["batch_stats"])

    variables, ((reconstruction, _), updates) = init_and_train_step()
    assert reconstruction.shape == x.shape
    changed = jax.tree.map(
        lambda old, new: bool(jnp.any(old != new)), variables["batch_stats"], updates["batch_stats"]
    )
    assert all(jax.tree.leaves(changed))


def reconstruction_errors(model, x, steps=100, learning_rate=3e-3):
    """The mean squared error before and after ``steps`` Adam steps on the fixed batch x."""
    optimizer = optax.adam(learning_rate)

    def loss(params):
        reconstruction, _ = model.apply({"params": params}, x)
        return jnp.mean(energy.mean_squared_error(x, reconstruction))

    def step(carry, _):
        params, opt_state = carry
        gradients = jax.grad(loss)(params)
        updates, opt_state = optimizer.update(gradients, opt_state)
        return (optax.apply_updates(params, updates), opt_state), None

    @jax.jit  # one compilation for init and training: compiling dominates this test's time
    def train():
        params = model.init(jax.random.PRNGKey(0), x)["params"]
        (trained, _), _ = jax.lax.scan(step, (params, optimizer.init(params)), length=steps)
        return loss(params), loss(trained)

    return tuple(map(float, train()))


@pytest.mark.parametrize(
    "model, shape",
    [
        (ConvAutoencoder(8, 1, width=8, embedding_dim=16, stages=2), (4, 8, 8, 1)),
        (MLPAutoencoder((32,), embedding_dim=4), (16, 2)),
    ],
    ids=["conv", "mlp"],
)
def test_decoder_learns_to_reconstruct_a_fixed_batch(model, shape):
    x = jax.random.uniform(jax.random.PRNGKey(42), shape, minval=-1.0, maxval=1.0)
    before, after = reconstruction_errors(model, x)
    assert after < before / 10, (before, after)
    assert np.isfinite(after)
