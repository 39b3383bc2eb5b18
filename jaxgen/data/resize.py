"""Bilinear resizing and center cropping of images ``[..., height, width, channels]``.

Resizing works on float32 values channel by channel (PIL's ``F`` mode), so the value range is
kept (bilinear weights are non-negative and sum to one) and no precision is lost to 8 bits.
PIL antialiases when it shrinks, which a plain bilinear lookup does not.
"""

import numpy as np
from PIL import Image


def resize(images, size):
    """``images [batch, height, width, channels]`` resized to ``[batch, size, size, channels]``."""
    images = np.asarray(images, np.float32)
    resized = np.empty((images.shape[0], size, size, images.shape[3]), np.float32)
    for n, image in enumerate(images):
        for c in range(images.shape[3]):
            plane = Image.fromarray(image[:, :, c])  # float32 -> mode F
            resized[n, :, :, c] = plane.resize((size, size), Image.Resampling.BILINEAR)
    return resized


def center_crop(image):
    """The largest centered square of ``image [height, width, channels]``."""
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[top : top + side, left : left + side]
