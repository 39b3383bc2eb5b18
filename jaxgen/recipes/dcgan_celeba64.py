"""``dcgan_celeba64``: DCGAN on CelebA faces, centre-cropped and resized to 64×64 (TFDS).

    tfds build celeb_a --file_format=array_record --data_dir=DIR   # once, with network
    jaxgen train dcgan_celeba64 --set data_dir=DIR --workdir runs/celeba

The architecture of Radford et al. 2016 for 64×64: G doubles 4×4×1024 to 64×64×3 in four
transposed convolutions; D mirrors it (64, 128, 256, 512 channels). z of 100, batch 128,
non-saturating loss, Adam(2e-4, β1 = 0.5). Expected: face-like samples after ~1 epoch
(~1,600 steps at batch 128) on one accelerator; not run on CPU here.
"""

from jaxgen.recipes import gan

PRESETS = {"default": {}, "tiny": gan.TINY_IMAGES}


def get_config():
    c = gan.base_config()
    c.data = "tfds:celeb_a"
    c.image_size = 64
    c.channels = 3
    c.g_width = 128
    c.d_width = 64
    c.batch_size = 128
    c.steps = 20_000
    c.sample_every = 1000
    c.checkpoint_every = 2000
    return c
