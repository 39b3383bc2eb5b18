"""One table of schemes × field transforms × wrappers: every composition runs, under ``jit``
(``rollout``) and eagerly (``rule.step``) with the same result, and converges on a strongly
monotone game.

The game is V = ½‖x‖² + x·y − ½‖y‖² (quadratic with A = B = C = I): J = [[I, I], [−I, I]] has
eigenvalues 1 ± i, so with η = 0.1 plain simultaneous steps contract by |1 − η(1 ± i)| =
√0.82 ≈ 0.906 per step, and every rule of the table, a small perturbation of it, converges to 0.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen import Pair
from jaxgen.game import (
    alternating,
    consensus,
    ema,
    extragradient,
    lookahead,
    mixture_game,
    optimistic,
    quadratic,
    rollout,
    sga,
    simultaneous,
    unrolled,
)

SCHEMES = {
    "simultaneous": simultaneous,
    "alternating": alternating,
    "extragradient": extragradient,
    "optimistic": optimistic,
}
TRANSFORMS = {
    "plain": lambda game: game,
    "consensus": lambda game: consensus(game, 0.5),
    "sga": lambda game: sga(game, 1.0),
    "sga-align": lambda game: sga(game, 1.0, align=True),
    "unrolled-d": lambda game: unrolled(game, 3, optax.sgd(0.1)),
    "unrolled-g": lambda game: unrolled(game, 3, optax.sgd(0.1), unroll="g"),
}
WRAPPERS = {
    "none": lambda rule: rule,
    "lookahead": lambda rule: lookahead(rule, 5, 0.5),
    "ema": lambda rule: ema(rule, 0.9),
}
TABLE = list(itertools.product(SCHEMES, TRANSFORMS, WRAPPERS))


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


@pytest.mark.parametrize("scheme, transform, wrapper", TABLE, ids=["-".join(c) for c in TABLE])
def test_every_composition_runs_and_converges(scheme, transform, wrapper):
    game = TRANSFORMS[transform](quadratic(1.0, 1.0, 1.0))
    rule = WRAPPERS[wrapper](SCHEMES[scheme](optax.sgd(0.1)))
    start = Pair(jnp.array([1.0, -0.5]), jnp.array([0.5, 2.0]))
    key = jax.random.PRNGKey(0)
    xs = rollout(game, rule, start, 200, key=key)
    params, state = start, rule.init(start)
    for t in range(3):
        params, _, state, metrics = rule.step(
            game, params, None, state, None, jax.random.fold_in(key, t)
        )
        np.testing.assert_allclose(params.g, xs.g[t + 1], rtol=1e-10)
        np.testing.assert_allclose(params.d, xs.d[t + 1], rtol=1e-10)
    assert {"loss_g", "loss_d"} <= set(metrics)
    start_norm = np.linalg.norm(np.concatenate([start.g, start.d]))
    final_norm = np.linalg.norm(np.concatenate([xs.g[-1], xs.d[-1]]))
    assert final_norm < 1e-3 * start_norm


# Every scheme and every transform once on a network game (the compositions are covered above;
# each network case costs seconds of compilation).
NETWORK_CASES = [(scheme, "plain") for scheme in SCHEMES] + [
    ("simultaneous", transform) for transform in TRANSFORMS if transform != "plain"
]


@pytest.mark.parametrize("scheme, transform", NETWORK_CASES)
def test_every_scheme_and_transform_trains_a_network_game(scheme, transform):
    game = mixture_game("ring8", hidden=(8,), batch_size=16)
    start = game.init(jax.random.PRNGKey(0))
    rule = SCHEMES[scheme](optax.adam(1e-3))
    xs = rollout(TRANSFORMS[transform](game.losses), rule, start, 4)
    last = jax.tree.map(lambda x: x[-1], xs)
    assert all(np.all(np.isfinite(x)) for x in jax.tree.leaves(last))
    moved = jax.tree.map(lambda a, b: float(jnp.max(jnp.abs(a - b))), last, start)
    assert max(jax.tree.leaves(moved)) > 0
