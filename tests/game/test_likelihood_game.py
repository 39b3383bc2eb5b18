"""Maximum likelihood as a one-player game: L_g is the mean NLL, the empty player stays empty."""

import jax
import numpy as np
import optax

from jaxgen.game import simultaneous
from jaxgen.game.likelihood import maximum_likelihood
from jaxgen.nn import NADE
from jaxgen.types import Pair


def test_generator_loss_is_the_mean_nll_and_descent_lowers_it():
    model = NADE(shape=(2, 2, 1), hidden=4)
    x = np.array([[[[1.0], [0.0]], [[1.0], [1.0]]], [[[0.0], [0.0]], [[1.0], [0.0]]]], np.float32)
    params = Pair(model.init(jax.random.PRNGKey(0), x)["params"], {})
    game = maximum_likelihood(model)
    losses, (state, metrics) = game(params, Pair({}, {}), {"image": x}, jax.random.PRNGKey(1))
    log_prob = model.apply({"params": params.g}, x, method="log_prob")
    np.testing.assert_allclose(losses.g, -np.mean(log_prob), rtol=1e-6)
    assert float(losses.d) == 0.0 and state == Pair({}, {})
    np.testing.assert_allclose(metrics["bits_per_dim"], losses.g / (4 * np.log(2)), rtol=1e-6)

    rule = simultaneous(Pair(optax.adam(0.05), optax.set_to_zero()))
    rule_state = rule.init(params)
    step = jax.jit(lambda p, s: rule.step(game, p, Pair({}, {}), s, {"image": x}, None)[::2])
    for _ in range(50):
        params, rule_state = step(params, rule_state)
    after, _ = game(params, Pair({}, {}), {"image": x}, None)
    assert params.d == {}
    assert float(after.g) < 0.5 * float(losses.g)
