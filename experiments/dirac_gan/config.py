"""Dirac-GAN: every objective × regularizer × scheme (Mescheder, Geiger & Nowozin 2018).

    .venv/bin/python -m experiments.dirac_gan.run

25 s wall time (``time``; 39 s under a heavier load) on the project's 2-core CPU machine,
16 s of it the 60 runs; it rewrites results.md, trajectories.png and eigenvalues.png in this
folder (README.md).

Expected (float64: the numbers repeat to the printed digits). With R1 or R2 (identical here:
∇_x D = ψ everywhere), consensus, or instance noise on the GAN and NS-GAN, every scheme ends
below 1e-6 from (0, 0), the slowest being WGAN + R1 with simultaneous steps at 2.4e-9
(ρ = 0.9899), with one exception: the minimax GAN with consensus and 5 discriminator steps per
step escapes towards ψ → −∞ (distance 16), although its linearization contracts (ρ = 0.8567).
The unregularized games, WGAN + instance noise (the same game as plain WGAN) and every WGAN-GP
game do not converge in 2,000 steps (final distances 0.13 to 1.5e17).
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
    config = ml_collections.ConfigDict()
    # Mescheder et al.'s own Dirac-GAN notebook (LMescheder/GAN_stability,
    # notebooks/DiracGAN.ipynb) uses step 0.2 from (θ, ψ) = (1, 1), a gradient penalty of 0.3,
    # instance noise of std 0.7 and consensus weight 1; we take the same values.
    config.eta = 0.2  # plain SGD step of both players
    config.steps = 2000
    config.start = (1.0, 1.0)  # (θ, ψ)
    config.gamma = 0.3  # R1, R2 and the WGAN-GP penalty weight
    config.sigma = 0.7  # instance noise standard deviation
    config.consensus_gamma = 1.0
    config.d_steps = 5  # discriminator updates per step of the third scheme
    # A run converges when its final distance to (0, 0) is below this: the convergent games
    # contract geometrically, the others stay at distance O(0.1) or more.
    config.tolerance = 1e-6
    return config
