"""What the experiments share for their figures: ``save_figure``, a small palette PNG."""

import io

import PIL.Image


def save_figure(fig, path, *, dpi: int = 90, colors: int = 64) -> None:
    """``fig`` (matplotlib) as a PNG quantized to ``colors`` colours, to keep the repository
    small."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    image = PIL.Image.open(buffer).convert("RGB")
    image.quantize(colors=colors, method=PIL.Image.Quantize.MEDIANCUT).save(path, optimize=True)
