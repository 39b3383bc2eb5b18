"""``dcgan_digits``: DCGAN on scikit-learn's 8×8 handwritten digits — ``make demo``.

    jaxgen train dcgan_digits --workdir runs/demo

The data ships with scikit-learn (1,797 images; the stratified train split of
``jaxgen.data``), so it runs anywhere with no download. DCGAN at 8×8: G is z of 100 → Dense
4×4×256 → BN → ReLU → ConvTranspose 1 (4×4, stride 2) → tanh; D is Conv 64 (4×4, stride 2)
→ LeakyReLU 0.2 → Dense 1. Non-saturating loss, Adam(2e-4, β1 = 0.5).
Expected: see README.md ("What the demo produces") for the time on 2 CPU cores and the
share of samples that a digits classifier recognizes, measured by tests/test_demo.py.
"""

from jaxgen.recipes import gan

PRESETS = {
    "default": {},
    "tiny": {
        "g_width": 8,
        "d_width": 8,
        "latent_dim": 8,
        "batch_size": 8,
        "steps": 20,
        "log_every": 5,
        "sample_every": 10,
        "checkpoint_every": 10,
        "num_samples": 16,
    },
}


def get_config():
    c = gan.base_config()
    c.data = "digits"
    c.image_size = 8
    c.g_width = 256
    c.d_width = 64
    c.batch_size = 64
    c.steps = 3000
    c.sample_every = 500
    c.checkpoint_every = 1000
    return c
