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
    """The natural picture of a generated batch: a grid of ``image`` or a plot of ``x``.

    Images with a ``label`` (a class-conditional model's samples) get one column per class,
    in the order of the classes."""
    if "image" in batch and "label" in batch:
        return class_columns(np.asarray(batch["image"]), np.asarray(batch["label"]))
    if "image" in batch:
        return image_grid(np.asarray(batch["image"]))
    return scatter_plot(np.asarray(batch["x"]), **kwargs)


def class_columns(images: np.ndarray, labels: np.ndarray, **kwargs) -> np.ndarray:
    """``images [n, H, W, C]`` as a grid whose column k holds the images of the k-th class
    present in ``labels [n]``, top to bottom in their order; short columns end in white."""
    per_class = [images[labels == label] for label in np.unique(labels)]
    white = np.ones(images.shape[1:], np.float32)
    depth = max(len(column) for column in per_class)
    cells = [
        column[row] if row < len(column) else white for row in range(depth) for column in per_class
    ]
    return image_grid(np.stack(cells), columns=len(per_class), **kwargs)


def save_png(image: np.ndarray, path: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if image.shape[-1] == 1:
        image = image[..., 0]
    Image.fromarray(image).save(path)
    return path


def image_rows(rows, *, pad: int = 1, min_tile: int = 32) -> np.ndarray:
    """A list of rows, each ``[n_i, H, W, C]`` in [−1, 1], → one uint8 image, a row each.

    Each row starts at the left; cells past a row's end stay white. Scaled as ``image_grid``.
    """
    rows = [np.asarray(row, np.float32) for row in rows]
    columns = max(len(row) for row in rows) or 1
    tile_shape = next(row.shape[1:] for row in rows if len(row))
    white = np.ones((1, *tile_shape), np.float32)
    cells = [np.concatenate([row, *[white] * (columns - len(row))]) for row in rows]
    return image_grid(np.concatenate(cells), columns=columns, pad=pad, min_tile=min_tile)


def walk_strip(frames: np.ndarray, steps_per_segment: int, **kwargs) -> np.ndarray:
    """The frames ``[(K − 1)·S + 1, H, W, C]`` of a walk as K − 1 rows of S + 1 images.

    Row ``k`` goes from waypoint ``k`` to waypoint ``k + 1``, both included (DCGAN Fig. 4), so
    a row's last image is the next row's first. ``kwargs`` go to ``image_rows``.
    """
    frames = np.asarray(frames)
    segments, remainder = divmod(len(frames) - 1, steps_per_segment)
    if segments < 1 or remainder:
        raise ValueError(
            f"walk_strip: {len(frames)} frames are not (K − 1)·{steps_per_segment} + 1 "
            "for any K ≥ 2"
        )
    starts = range(0, segments * steps_per_segment, steps_per_segment)
    return image_rows([frames[s : s + steps_per_segment + 1] for s in starts], **kwargs)


def arithmetic_figure(concepts, averages, results, **kwargs) -> np.ndarray:
    """DCGAN Fig. 7 as rows: each concept's samples with their average at the right, then
    ``G(Y)`` at the right under the averages and its noisy variants to the left, wrapped.

    The right-hand column reads ``G(mean A), G(mean B), G(mean C), G(Y)`` with
    ``Y = mean A − mean B + mean C``. The grid is ``max(3, n_A, n_B, n_C) + 1`` wide.

    Args:
      concepts: three ``[n_i, H, W, C]``, the samples whose latents were averaged.
      averages: ``[3, H, W, C]``, the images of the three averages.
      results: ``[1 + m, H, W, C]``, ``G(Y)`` first, then ``m`` noisy variants.
      kwargs: go to ``image_rows``.
    """
    averages, results = np.asarray(averages, np.float32), np.asarray(results, np.float32)
    concepts = [np.asarray(c, np.float32) for c in concepts]
    left = max(3, *(len(c) for c in concepts))  # tiles left of the right-hand column
    white = np.ones_like(averages[:1])

    def row(images, last=None):
        right = white if last is None else last[None]
        return np.concatenate([images, *[white] * (left - len(images)), right])

    noisy = results[1:]
    wrapped = [noisy[i : i + left] for i in range(left, len(noisy), left)]
    rows = [row(c, a) for c, a in zip(concepts, averages, strict=True)]
    rows += [row(noisy[:left], results[0]), *[row(images) for images in wrapped]]
    return image_rows(rows, **kwargs)


def numbered_grid(
    images: np.ndarray, *, columns: int | None = None, pad: int = 1, min_tile: int = 64
) -> np.ndarray:
    """``image_grid`` with each tile's index (row-major, from 0) written in its top-left corner.

    Tiles are enlarged to at least 64 pixels by default, so that a label covers little of one.
    """
    images = np.asarray(images, np.float32)
    n = len(images)
    columns = columns or math.ceil(math.sqrt(n))
    grid = image_grid(images, columns=columns, pad=pad, min_tile=min_tile)
    canvas = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    draw = ImageDraw.Draw(canvas)
    rows = math.ceil(n / columns)
    tile_h = (grid.shape[0] - pad) // rows - pad
    tile_w = (grid.shape[1] - pad) // columns - pad
    for i in range(n):
        r, c = divmod(i, columns)
        left, top = pad + c * (tile_w + pad), pad + r * (tile_h + pad)
        box = draw.textbbox((left + 1, top), str(i))
        draw.rectangle([left, top, box[2] + 1, box[3] + 1], fill="black")
        draw.text((left + 1, top), str(i), fill="white")
    labelled = np.asarray(canvas)
    return labelled[..., None] if labelled.ndim == 2 else labelled


def save_gif(
    images: np.ndarray, path: str, *, frame_ms: int = 100, min_tile: int = 128, loop: int = 0
) -> str:
    """images ``[frames, H, W, C]`` in [−1, 1] → an animated GIF, one image per frame.

    Small images are enlarged as in ``image_grid`` (to at least ``min_tile`` pixels); ``loop=0``
    repeats forever. Pillow merges identical consecutive frames into one longer frame.
    """
    frames = [image_grid(image[None], columns=1, pad=0, min_tile=min_tile) for image in images]
    pictures = [Image.fromarray(f[..., 0] if f.shape[-1] == 1 else f) for f in frames]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=frame_ms, loop=loop)
    return path
