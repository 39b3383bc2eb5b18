"""Pictures of samples: a grid of images, or a scatter plot of 2-D points, as PNG."""

import math
import os

import numpy as np
from PIL import Image, ImageDraw


def image_grid(
    images: np.ndarray, *, columns: int | None = None, pad: int = 1, min_tile: int = 32
) -> np.ndarray:
    """images [N, H, W, C] in [−1, 1] → one uint8 image [rows·(H+pad)+pad, ..., C].

    Images smaller than ``min_tile`` pixels are enlarged by an integer factor (nearest
    neighbour), so that an 8×8 digit is visible without zooming and stays pixel-exact.
    """
    images = np.asarray(images, np.float32)
    scale = max(1, -(-min_tile // max(images.shape[1:3])))
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, c), 255, np.uint8)
    pixels = np.clip(np.round((images + 1) * 127.5), 0, 255).astype(np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


def scatter_plot(points: np.ndarray, *, reference=None, size: int = 512, extent=None) -> np.ndarray:
    """points [N, 2] → uint8 RGB image of a scatter plot; ``reference`` points in grey beneath."""
    points = np.asarray(points, np.float32)
    everything = points if reference is None else np.concatenate([points, reference])
    if extent is None:
        finite = everything[np.all(np.isfinite(everything), axis=1)]
        extent = (1.1 * float(np.max(np.abs(finite))) if len(finite) else 0.0) or 1.0
    canvas = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(canvas)

    def to_pixels(xy):
        return (xy / extent * 0.5 + 0.5) * (size - 1) * np.array([1, -1]) + np.array([0, size - 1])

    for xy, colour, radius in ((reference, (190, 190, 190), 3), (points, (31, 119, 180), 1.5)):
        if xy is None:
            continue
        for x, y in to_pixels(np.asarray(xy, np.float32)):
            if np.isfinite(x) and np.isfinite(y):
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    return np.asarray(canvas)


def picture(batch: dict, **kwargs) -> np.ndarray:
    """The natural picture of a generated batch: a grid of ``image`` or a plot of ``x``."""
    if "image" in batch:
        return image_grid(np.asarray(batch["image"]))
    return scatter_plot(np.asarray(batch["x"]), **kwargs)


def save_png(image: np.ndarray, path: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if image.shape[-1] == 1:
        image = image[..., 0]
    Image.fromarray(image).save(path)
    return path
