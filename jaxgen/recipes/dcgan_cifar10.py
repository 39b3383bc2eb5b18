"""``dcgan_cifar10``: DCGAN on 32×32 CIFAR-10 from TensorFlow Datasets.

    tfds build cifar10 --file_format=array_record --data_dir=DIR   # once, with network
    jaxgen train dcgan_cifar10 --set data_dir=DIR --workdir runs/cifar10

G doubles 4×4×512 to 32×32×3 in three transposed convolutions; D mirrors it (64, 128, 256
channels). z of 100, batch 64, non-saturating loss, Adam(2e-4, β1 = 0.5) (Radford et al.
2016). Expected: object-like colour samples after ~20k steps on one accelerator; not run
on CPU here.
"""

from jaxgen.recipes import gan

PRESETS = {"default": {}, "tiny": gan.TINY_IMAGES}


def get_config():
    c = gan.base_config()
    c.data = "tfds:cifar10"
    c.image_size = 32
    c.channels = 3
    c.g_width = 128
    c.d_width = 64
    c.steps = 50_000
    c.sample_every = 1000
    c.checkpoint_every = 2000
    return c
