"""``gan_ring8``: an MLP GAN on 8 Gaussians on a circle (DESIGN.md reference network).

    jaxgen train gan_ring8 --workdir runs/ring8

G and D are MLPs 2 → 128 → 128 → out with ReLU (17,154 and 17,025 parameters), z of 2,
batch 512, non-saturating loss, one D then one G update with Adam(2e-4, β1 = 0.5) each.
Data: ``ring8`` (8 modes on the unit circle, std 0.01; Lin et al. 2018, PacGAN).
Expected: the samples of ``runs/ring8/samples/latest.png`` gather around the modes; plain
GANs on this set often cover only some of them (mode collapse), which is the point of it.
"""

from jaxgen.recipes import gan

PRESETS = {
    "default": {},
    "tiny": {
        "g_width": 16,
        "d_width": 16,
        "batch_size": 8,
        "steps": 20,
        "log_every": 5,
        "sample_every": 10,
        "checkpoint_every": 10,
        "num_samples": 64,
    },
}


def get_config():
    c = gan.base_config()
    c.data = "ring8"
    c.network = "mlp"
    c.latent_dim = 2
    c.g_width = 128
    c.d_width = 128
    c.batch_size = 512
    c.steps = 5000
    c.sample_every = 500
    c.num_samples = 1024
    return c
