"""Every rule on V(x, y) = x·y from (1, 1) with η = 0.1 for 1,000 steps, in float64.

    .venv/bin/python -m experiments.bilinear_convergence.run

takes 5.3 s on the project's 2-core CPU machine (`time`; 1.0 s of it plays the ten
rollouts, compilation included) and rewrites results.md, trajectories.png and distance.png in
this folder. Expected: every measured radius equals ‖M^1000·z₀‖ of its rule's linear map to a
relative 4.1e-14 or better; simultaneous play spirals out to 204.7 = √2·(1 + η²)^500,
alternating play stays on its ellipse (1.43), simultaneous play with negative momentum still
diverges (2.98) while alternating play with it converges (0.326), and extragradient (9.77e-3),
optimistic (8.92e-3), lookahead (3.26e-2), consensus (1.85e-20), SGA (4.23e-7) and unrolled
(1.18e-11) converge (README.md).

Hyper-parameters: consensus γ = 0.5 and SGA λ = 0.2 differ on purpose: on x·y the game
Jacobian is antisymmetric, so both rules are the map (1 − ηc)·I − η·B of run.py at c = γ or λ,
and equal values would draw one curve twice. Unrolled: k = 3 SGD steps of the discriminator
with its own step size, μ = η. Lookahead: k = 5, α = 0.5 (Chavdarova et al. 2021). Negative
momentum: β = −0.5 (Gidel et al. 2019). The phase portraits show [−3, 3]²: simultaneous
play leaves it, and simultaneous play with negative momentum reaches its edge (2.98).
"""

import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.eta = 0.1
    c.steps = 1000
    c.start = (1.0, 1.0)  # (x, y): the generator's x minimizes, the discriminator's y maximizes
    c.consensus_gamma = 0.5
    c.sga_lambda = 0.2
    c.unrolled_k = 3
    c.unrolled_mu = 0.1
    c.lookahead_k = 5
    c.lookahead_alpha = 0.5
    c.momentum = -0.5
    c.window = 3.0  # the phase portraits show [−window, window]²
    return c
