"""PyTorch (eager, CPU) reference of DESIGN.md's reference networks and their train step:
the other side of benchmarks/step_vs_torch.py, checked against jaxgen by
tests/test_benchmarks_torch.py.

    model = torch_reference.build("dcgan_mnist", memory_format=torch.channels_last)
    loss_d, loss_g = torch_reference.train_step(model, real)  # real: [64, 1, 28, 28]

Cases (``CASES``): ``dcgan_mnist`` (G 1,794,177 and D 138,817 parameters, batch 64, z of 100)
and ``gan_ring8`` (MLPs 2 → 128 → 128 → out, G 17,154 and D 17,025 parameters, batch 512,
z of 2). Batch norm uses PyTorch's defaults (momentum 0.1, ε = 1e-5), which are jaxgen's
(flax momentum 0.9). Stride-2 layers have 4×4 kernels and padding 1, which gives jaxgen's
``SAME`` output sizes (7 → 14 → 28 and back).

One step mirrors jaxgen's recipe step (``jaxgen.game.alternating`` over
``jaxgen.game.adversarial``), operation for operation:

1. D update: z ~ N(0, I); G(z) in training mode without a backward pass (jaxgen
   differentiates L_D with respect to D only); D(real), then D(fake), each normalized over
   its own batch; L_D = mean softplus(−l_real) + mean softplus(l_fake); Adam step of D.
2. G update: a new z; G(z); D(real), whose only use is D's batch-norm running statistics,
   which jaxgen's evaluation also updates; D(G(z)); L_G = mean softplus(−l_fake) (the
   non-saturating loss); backward to G's parameters only (D's are frozen meanwhile, so no
   gradient of D's weights is computed, as XLA computes none); Adam step of G.

Adam(2e-4, betas (0.5, 0.999), ε = 1e-8 outside the square root) is optax.adam's update.
tests/test_benchmarks_torch.py checks on jaxgen's parameters that G's outputs, D's logits,
both losses, both gradients and the batch-norm running means (two updates of G's, four of
D's per step) agree, and, for ``gan_ring8``, every parameter after a full recipe step.

What still differs, none of which changes the training computation:
- batch norm's running variance: PyTorch's update uses the unbiased batch variance, flax's
  the biased one (a factor n / (n − 1)); training mode normalizes with the batch's own
  statistics, so only evaluation mode would see it;
- initial parameters (PyTorch's default initializers) and random numbers;
  ``copy_jaxgen_params`` loads jaxgen's, and ``train_step`` takes z, to compare values;
- layout: NCHW (or ``torch.channels_last``) against jaxgen's NHWC; ``copy_jaxgen_params``
  permutes the dense layers that meet a reshape, so the functions are the same.
"""

import dataclasses

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# Per case: one real example's shape (NCHW images) and z's size.
CASES = {
    "dcgan_mnist": {"data_shape": (1, 28, 28), "latent_dim": 100},
    "gan_ring8": {"data_shape": (2,), "latent_dim": 2},
}
BATCH_NORM = {"momentum": 0.1, "eps": 1e-5}  # flax's momentum 0.9 is PyTorch's 0.1
LEARNING_RATE = 2e-4
BETAS = (0.5, 0.999)
LEAK = 0.2


class DCGANGenerator(nn.Module):
    """z [B, latent] → images [B, channels, 28, 28] in [−1, 1]: Dense to 7×7×2·width, BN,
    ReLU, transposed conv to width, BN, ReLU, transposed conv to channels, tanh."""

    def __init__(self, latent_dim=100, width=128, channels=1, base=7, memory_format=None):
        super().__init__()
        self.base, self.features = base, 2 * width
        self.memory_format = memory_format or torch.contiguous_format
        self.project = nn.Linear(latent_dim, base * base * self.features)
        self.project_norm = nn.BatchNorm2d(self.features, **BATCH_NORM)
        self.upsample = nn.ConvTranspose2d(self.features, width, 4, 2, padding=1)
        self.upsample_norm = nn.BatchNorm2d(width, **BATCH_NORM)
        self.to_image = nn.ConvTranspose2d(width, channels, 4, 2, padding=1)

    def forward(self, z):
        x = self.project(z).view(z.shape[0], self.features, self.base, self.base)
        x = x.contiguous(memory_format=self.memory_format)
        x = F.relu(self.project_norm(x), inplace=True)
        x = F.relu(self.upsample_norm(self.upsample(x)), inplace=True)
        return torch.tanh(self.to_image(x))


class DCGANDiscriminator(nn.Module):
    """images [B, channels, 28, 28] → one logit per image [B]: conv to width, LeakyReLU,
    conv to 2·width, BN, LeakyReLU, flatten, Dense 1."""

    def __init__(self, width=64, channels=1, resolution=28):
        super().__init__()
        self.conv = nn.Conv2d(channels, width, 4, 2, padding=1)
        self.downsample = nn.Conv2d(width, 2 * width, 4, 2, padding=1)
        self.norm = nn.BatchNorm2d(2 * width, **BATCH_NORM)
        self.to_logit = nn.Linear(2 * width * (resolution // 4) ** 2, 1)

    def forward(self, x):
        x = F.leaky_relu(self.conv(x), LEAK, inplace=True)
        x = F.leaky_relu(self.norm(self.downsample(x)), LEAK, inplace=True)
        return self.to_logit(torch.flatten(x, 1))[:, 0]


class MLP(nn.Module):
    """Dense layers 128 → 128 with ReLU, then a linear output; ``squeeze`` drops a size-1
    output axis (a discriminator's logits [B])."""

    def __init__(self, in_dim, out_dim, hidden=(128, 128), squeeze=False):
        super().__init__()
        widths = (in_dim, *hidden)
        pairs = zip(widths[:-1], widths[1:], strict=True)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in pairs)
        self.out = nn.Linear(widths[-1], out_dim)
        self.squeeze = squeeze

    def forward(self, x):
        for layer in self.hidden:
            x = F.relu(layer(x), inplace=True)
        out = self.out(x)
        return out[:, 0] if self.squeeze else out


@dataclasses.dataclass
class Reference:
    """The two networks of a case, their Adam optimizers and the source of z."""

    generator: nn.Module
    discriminator: nn.Module
    g_optimizer: torch.optim.Optimizer
    d_optimizer: torch.optim.Optimizer
    latent_dim: int
    memory_format: torch.memory_format
    rng: torch.Generator


def build(case, *, memory_format=torch.contiguous_format, seed=0) -> Reference:
    """The networks and optimizers of ``case`` (a key of ``CASES``), in training mode.

    ``memory_format`` (``torch.contiguous_format``, i.e. NCHW, or ``torch.channels_last``)
    lays out the convolutional networks' weights and activations.
    """
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}: choose one of {sorted(CASES)}")
    torch.manual_seed(seed)
    latent_dim = CASES[case]["latent_dim"]
    if case == "dcgan_mnist":
        generator = DCGANGenerator(latent_dim, memory_format=memory_format)
        discriminator = DCGANDiscriminator()
        generator.to(memory_format=memory_format)
        discriminator.to(memory_format=memory_format)
    else:
        generator = MLP(latent_dim, 2)
        discriminator = MLP(2, 1, squeeze=True)
    return Reference(
        generator=generator.train(),
        discriminator=discriminator.train(),
        g_optimizer=torch.optim.Adam(generator.parameters(), LEARNING_RATE, BETAS),
        d_optimizer=torch.optim.Adam(discriminator.parameters(), LEARNING_RATE, BETAS),
        latent_dim=latent_dim,
        memory_format=memory_format,
        rng=torch.Generator().manual_seed(seed),
    )


def parameter_counts(model: Reference) -> dict:
    """``{"g": ..., "d": ...}``: trainable parameters (batch-norm running statistics are
    buffers, as they are model state in jaxgen)."""
    return {
        player: sum(p.numel() for p in network.parameters())
        for player, network in (("g", model.generator), ("d", model.discriminator))
    }


def real_batch(case, batch_size, memory_format=torch.contiguous_format, seed=0):
    """A random real batch of ``case``'s shape in [−1, 1] (speed does not depend on it)."""
    shape = (batch_size, *CASES[case]["data_shape"])
    real = torch.rand(shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    return real.contiguous(memory_format=memory_format) if real.ndim == 4 else real


def train_step(model: Reference, real, *, z_d=None, z_g=None):
    """One D update, then one G update (see the module docstring); returns the detached
    ``(loss_d, loss_g)``. ``z_d`` and ``z_g`` [B, latent] replace the drawn latents."""
    batch_size = real.shape[0]
    generator, discriminator = model.generator, model.discriminator
    if z_d is None:
        z_d = torch.randn(batch_size, model.latent_dim, generator=model.rng)
    if z_g is None:
        z_g = torch.randn(batch_size, model.latent_dim, generator=model.rng)

    with torch.no_grad():
        fake = generator(z_d)
    loss_d = F.softplus(-discriminator(real)).mean() + F.softplus(discriminator(fake)).mean()
    model.d_optimizer.zero_grad(set_to_none=True)
    loss_d.backward()
    model.d_optimizer.step()

    fake = generator(z_g)
    discriminator.requires_grad_(False)
    with torch.no_grad():
        discriminator(real)
    loss_g = F.softplus(-discriminator(fake)).mean()
    model.g_optimizer.zero_grad(set_to_none=True)
    loss_g.backward()
    model.g_optimizer.step()
    discriminator.requires_grad_(True)
    return loss_d.detach(), loss_g.detach()


def copy_jaxgen_params(model: Reference, params) -> None:
    """Loads jaxgen's parameters (``Pair(g, d)`` of flax param dicts, arrays) into ``model``.

    Flax kernels are [in, out] (dense) and [kh, kw, in, out] (convolutions); PyTorch's are
    [out, in], Conv2d [out, in, kh, kw] and ConvTranspose2d [in, out, kh, kw]. jaxgen's
    transposed convolution reads ``x[i] · w[2i + 2 − o]`` per axis
    (``jaxgen.nn.layers``), PyTorch's with padding 1 reads ``x[i] · w[o − 2i + 1]``: the same
    taps in reverse order, so its kernel is flipped in both spatial axes. Dense layers that
    meet a reshape are permuted from NHWC's (h, w, c) order to NCHW's (c, h, w).
    """
    g, d = params.g, params.d
    if isinstance(model.generator, DCGANGenerator):
        generator, discriminator = model.generator, model.discriminator
        base, features = generator.base, generator.features
        kernel = np.asarray(g["Dense_0"]["kernel"])  # [latent, (h, w, c)]
        pairs = [
            (generator.project.weight, _hwc_to_chw(kernel, base, features).T),
            (generator.project.bias, _hwc_to_chw(np.asarray(g["Dense_0"]["bias"]), base, features)),
            *_batch_norm(generator.project_norm, g["BatchNorm_0"]),
            *_conv_transpose(generator.upsample, g["ConvTranspose_0"]),
            *_batch_norm(generator.upsample_norm, g["BatchNorm_1"]),
            *_conv_transpose(generator.to_image, g["ConvTranspose_1"]),
            *_conv(discriminator.conv, d["Conv_0"]),
            *_conv(discriminator.downsample, d["Conv_1"]),
            *_batch_norm(discriminator.norm, d["BatchNorm_0"]),
        ]
        side = discriminator.norm.num_features
        kernel = np.asarray(d["Dense_0"]["kernel"])  # [(h, w, c), 1]
        spatial = int(round((kernel.shape[0] / side) ** 0.5))
        pairs += [
            (discriminator.to_logit.weight, _hwc_to_chw(kernel.T, spatial, side)),
            (discriminator.to_logit.bias, d["Dense_0"]["bias"]),
        ]
    else:
        pairs = [
            *_mlp(model.generator, g["MLP_0"]),
            *_mlp(model.discriminator, d["MLP_0"]),
        ]
    with torch.no_grad():
        for target, value in pairs:
            value = np.ascontiguousarray(value, np.float32)
            if target.shape != value.shape:
                raise ValueError(f"jaxgen parameter of shape {value.shape} for {target.shape}")
            target.copy_(torch.tensor(value))


def _hwc_to_chw(values, size, channels):
    """Reorders the last axis of ``values`` from (h, w, c) to (c, h, w)."""
    lead = values.shape[:-1]
    values = values.reshape(*lead, size, size, channels)
    return np.moveaxis(values, -1, -3).reshape(*lead, -1)


def _batch_norm(norm, params):
    return [(norm.weight, params["scale"]), (norm.bias, params["bias"])]


def _conv(conv, params):
    kernel = np.asarray(params["kernel"]).transpose(3, 2, 0, 1)  # HWIO → OIHW
    return [(conv.weight, kernel), (conv.bias, params["bias"])]


def _conv_transpose(conv, params):
    kernel = np.asarray(params["kernel"])[::-1, ::-1].transpose(2, 3, 0, 1)  # → [in, out, h, w]
    return [(conv.weight, kernel), (conv.bias, params["bias"])]


def _mlp(mlp, params):
    layers = [*mlp.hidden, mlp.out]
    return [
        pair
        for index, layer in enumerate(layers)
        for pair in (
            (layer.weight, np.asarray(params[f"Dense_{index}"]["kernel"]).T),
            (layer.bias, params[f"Dense_{index}"]["bias"]),
        )
    ]
