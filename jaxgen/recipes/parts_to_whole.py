"""Generation from parts (Puzzle-GAN, Lee et al. 2018): ``parts_digits``, ``parts_mnist`` and
``parts_celeba``.

    jaxgen train parts_digits --workdir runs/parts_digits     # 8×8 digits, 4×4 parts, CPU
    jaxgen train parts_mnist --workdir runs/parts_mnist       # mnist5k 28×28, 14×14 parts
    python -m experiments.parts_to_whole.run                  # in-mask error, classifier, figure

The data are digits with 3 key patches each (``min_parts``, ``max_parts``), cut where the ink is
(``jaxgen.data.patches``: the patches, which of them are present, and the ground-truth mask M
of where they sit). ``build(config)`` makes the ``Recipe``: the paper's four networks
(``jaxgen.nn.parts``: a part encoder shared by the parts, whose encodings are summed; a mask
generator; an image generator fed the encoding, z and the mask generator's features; a
discriminator), sized by ``encoding_dim``, ``e_width``, ``g_width``, ``g_upsamplings``,
``d_width`` and ``d_downsamplings``; the game ``jaxgen.game.parts.parts_to_whole`` (BCE
adversarial loss with the composite fakes, spatial loss λ_s·|M̂ − M|, appearance loss
λ_a·|M̂ ⊙ x̂ − M ⊙ x|) and ``alternating`` with one discriminator update, then one generator
update, Adam(2e-4, β1 = 0.5) each (the authors' optimizer; their code updates G every second
batch).

``sample(state, key, n)`` generates the wholes of test digits from their parts (the test
images in an order drawn from the key, z drawn from the key), ``{"image", "label"}``.
``generate(recipe, state, batch, key, no_parts=False)`` returns the wholes and masks of any
batch of parts; ``no_parts=True`` gives the same generator the empty part set (encoding 0).

Differences from the paper: smaller networks and images (``get_config``), patches chosen where
the ink is instead of by a part detector (``jaxgen.data.patches``), parts half the image's
side (4×4 of 8×8, 14×14 of 28×28: 3×3 parts of an 8×8 digit did not tell its class, and three
12×12 parts of a 28×28 one, which cover 40% of it against 52% on the digits, did not often
enough),
the spatial loss as a per-pixel cross-entropy and the appearance loss on the true mask (the
paper's L1 spatial loss put the mask at 0 on the digits: ``jaxgen.game.parts`` says why; both
of the paper's forms are options, ``spatial_loss="l1"``, ``appearance_mask="predicted"``),
constant λ's with λ_a = 100 (the code decays both from 10⁻² to 10⁻⁴ over its epochs), z of 8.

The paper's setting on Cloud is ``parts_celeba``: CelebA (TFDS ``celeb_a``, the 178×178 center
crop resized to 64×64) with three of four 16×16 key patches per face, cut at the dataset's
landmarks of the eyes, the nose and the mouth (``jaxgen.data.face_parts``, in place of the
paper's part detector), z of 100, widths 64, G from 4×4 up four times, D down four times, the
paper's L1 spatial loss and appearance loss under the predicted mask, batch 64. Prepare the
data once, where TensorFlow and the network are, then::

    tfds build celeb_a --file_format=array_record --data_dir=gs://BUCKET/tfds
    jaxgen train parts_celeba --workdir gs://BUCKET/parts_celeba --set data_dir=gs://BUCKET/tfds

Its tiny preset trains on ``tfds.testing.mock_data`` in the tests, and the full-size step is
traced there (no CelebA and no accelerator here: not trained).

What to expect on the digits (``python -m experiments.parts_to_whole.run``, the defaults,
10,000 steps, ~9 min on 2 CPU cores; ``experiments/parts_to_whole/README.md``): inside the
true mask the wholes from the parts have a mean L1 error of 0.250 against 0.690 for the same
generator given no parts (ratio 0.36; issue 10 asks ≤ 0.5), the ``digits`` classifier reads
84% of them as the parts' digit (asked: ≥ 80%), and the predicted masks have an IoU of 0.77
with the true ones. On mnist5k (``--data mnist``, 10,000 steps, 65 min on 2 CPU cores): in-mask
ratio 0.30, 82% read as the parts' digit, mask IoU 0.81.
"""

import functools
import itertools

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from jaxgen.data import face_parts, patches
from jaxgen.errors import UserError
from jaxgen.game import alternating
from jaxgen.game import parts as game_lib
from jaxgen.nn.parts import ImageGenerator, MaskGenerator, PartEncoder, PartsDiscriminator
from jaxgen.train import Recipe, TrainState, compile_step, data_mesh, make_train_step
from jaxgen.train.mesh import check_batch_size, replicated
from jaxgen.train.recipe import TINY_LOOP, add_loop_keys
from jaxgen.types import Pair

# data name -> (offline set, image size, patch side: half the image's side, so that three
# parts hold the digit's class: experiments/parts_to_whole/README.md)
# (celeba: the paper's faces, 64×64, 16×16 parts cut at the landmarks: jaxgen.data.face_parts)
DATA = {
    "digits": ("digits", 8, 4),
    "mnist": ("mnist5k", 28, 14),
    "celeba": ("tfds:celeb_a", 64, 16),
}
RECIPE_NAMES = tuple(f"parts_{data_name}" for data_name in DATA)
SAMPLE_POOL = 1024  # the test images whose parts sample() draws from (the first ones)
TINY = {
    **TINY_LOOP,
    "image_size": 8,
    "patch_size": 3,
    "latent_dim": 4,
    "encoding_dim": 16,
    "e_width": 8,
    "g_width": 8,
    "g_upsamplings": 1,
    "d_width": 8,
    "d_downsamplings": 1,
}


def get_config(data_name: str) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.preset = "default"
    c.data, c.image_size, c.patch_size = DATA[data_name]
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.channels = 1
    c.min_parts = 3
    c.max_parts = 3  # the paper: 3 parts
    c.latent_dim = 8  # the paper: 100
    c.encoding_dim = 64
    c.e_width = 32  # the part encoder's first convolution (the paper: 64)
    c.g_width = 32  # the decoders' last convolution, doubled per coarser level (the paper: 64)
    c.g_upsamplings = 2  # 2×2 → 8×8 (digits), 7×7 → 28×28 (mnist5k)
    c.d_width = 32
    c.d_downsamplings = 2
    c.spatial_loss = "bce"  # the paper's: "l1" (jaxgen.game.parts)
    c.appearance_mask = "true"  # the paper's: "predicted" (jaxgen.game.parts)
    c.spatial_weight = game_lib.SPATIAL_WEIGHT
    c.appearance_weight = 100.0  # λ_a (10, 30, 50 tried: experiments/parts_to_whole/README.md)
    c.composite_weight = game_lib.COMPOSITE_WEIGHT
    c.g_learning_rate = 2e-4
    c.d_learning_rate = 2e-4
    c.beta1 = 0.5
    c.beta2 = 0.999
    c.batch_size = 64  # the paper's
    add_loop_keys(c)
    c.steps = 10_000
    c.log_every = 100
    c.sample_every = 1000
    c.checkpoint_every = 1000
    c.num_samples = 64
    if data_name == "celeba":  # the paper's CelebA setting
        c.channels = 3
        c.latent_dim = 100
        c.e_width = c.g_width = c.d_width = 64
        c.g_upsamplings = 4  # 4×4 → 64×64
        c.d_downsamplings = 4
        c.spatial_loss = "l1"
        c.appearance_mask = "predicted"
        c.steps = 100_000
        c.sample_every = 5000
        c.checkpoint_every = 5000
    return c


def _check(config):
    positive = ("encoding_dim", "e_width", "g_width", "d_width", "batch_size", "steps")
    for key in positive:
        if config[key] < 1:
            raise UserError(f"config key {key!r} must be at least 1, got {config[key]}")
    for key in ("latent_dim", "spatial_weight", "appearance_weight", "composite_weight"):
        if config[key] < 0:
            raise UserError(f"config key {key!r} must be 0 or more, got {config[key]}")
    if config.spatial_loss not in ("bce", "l1"):
        raise UserError(f"spatial_loss must be 'bce' or 'l1', got {config.spatial_loss!r}")
    if config.appearance_mask not in ("true", "predicted"):
        raise UserError(
            f"appearance_mask must be 'true' or 'predicted', got {config.appearance_mask!r}"
        )
    parts_settings = (config.image_size, config.patch_size, config.min_parts, config.max_parts)
    if config.data.startswith("tfds:"):
        face_parts.check_face_parts(*parts_settings)
    else:
        patches.check_parts_config(*parts_settings)
    factor = 2**config.g_upsamplings
    if config.g_upsamplings < 0 or config.image_size % factor:
        raise UserError(
            f"image_size {config.image_size} must be divisible by 2^g_upsamplings = {factor}: "
            f"change --set g_upsamplings=... or image_size"
        )
    if config.d_downsamplings < 1 or 2**config.d_downsamplings > config.image_size:
        raise UserError(
            f"d_downsamplings must be in 1 .. log2(image_size {config.image_size}), got "
            f"{config.d_downsamplings}"
        )


def networks(config):
    """``(part_encoder, mask_generator, image_generator, discriminator)`` of a config."""
    return (
        PartEncoder(config.encoding_dim, config.e_width),
        MaskGenerator(config.image_size, config.g_width, config.g_upsamplings),
        ImageGenerator(config.image_size, config.channels, config.g_width, config.g_upsamplings),
        PartsDiscriminator(config.d_width, config.d_downsamplings),
    )


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    _check(config)
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    nets = networks(config)
    game = game_lib.parts_to_whole(
        nets,
        latent_dim=config.latent_dim,
        spatial_weight=config.spatial_weight,
        appearance_weight=config.appearance_weight,
        composite_weight=config.composite_weight,
        spatial=config.spatial_loss,
        appearance_mask=config.appearance_mask,
    )
    optimizers = Pair(
        *(
            optax.adam(config[f"{player}_learning_rate"], b1=config.beta1, b2=config.beta2)
            for player in ("g", "d")
        )
    )
    rule = alternating(optimizers)

    faces = config.data.startswith("tfds:")

    def dataset(split="train"):
        settings = dict(
            batch_size=config.batch_size,
            seed=config.seed,
            image_size=config.image_size,
            patch_size=config.patch_size,
            min_parts=config.min_parts,
            max_parts=config.max_parts,
        )
        if faces:
            return face_parts.face_parts_dataset(
                config.data, split, data_dir=config.data_dir, **settings
            )
        return patches.parts_dataset(config.data, split, **settings)

    def example_batch():
        b, p, size = config.batch_size, config.patch_size, config.image_size
        batch = {
            "image": np.zeros((b, size, size, config.channels), np.float32),
            "parts": np.zeros((b, config.max_parts, p, p, config.channels), np.float32),
            "present": np.ones((b, config.max_parts), np.float32),
            "corners": np.zeros((b, config.max_parts, 2), np.int32),
            "mask": np.zeros((b, size, size, 1), np.float32),
        }
        if not faces:  # the digit class; faces have none
            batch["label"] = np.zeros((b,), np.int32)
        return batch

    def init_fn(key, batch):
        params_key, root_key = jax.random.split(key)
        params = game_lib.init_params(
            nets, params_key, batch["parts"][:1], batch["present"][:1], config.latent_dim
        )
        return TrainState.create(
            params=params,
            model_state=Pair({}, {}),
            rule_state=rule.init(params),
            key=root_key,
        )

    @functools.cache
    def test_parts():
        """The parts of the first ``SAMPLE_POOL`` test images (and their digit classes)."""
        batches = list(itertools.islice(dataset("test").epoch(512), SAMPLE_POOL // 512))
        keys = ("parts", "present") if faces else ("parts", "present", "label")
        return {k: np.concatenate([b[k] for b in batches]) for k in keys}

    @functools.partial(jax.jit, static_argnums=3)
    def generate_from_test_parts(g_params, test, key, n):
        order_key, z_key = jax.random.split(key)
        rows = jnp.resize(jax.random.permutation(order_key, len(test["parts"])), (n,))
        z = game_lib.draw_latents(z_key, n, config.latent_dim)
        fake, _ = game_lib.generate(nets, g_params, test["parts"][rows], test["present"][rows], z)
        return {"image": fake, **({"label": test["label"][rows]} if "label" in test else {})}

    def sample(state, key, n):
        return generate_from_test_parts(state.params.g, test_parts(), key, n)

    step = compile_step(make_train_step(game, rule), mesh)
    return Recipe(
        name=name,
        config=config,
        init=jax.jit(init_fn, out_shardings=replicated(mesh)),
        step=step,
        sample=sample,
        dataset=dataset,
        example_batch=example_batch,
        batches_per_step=1,
        mesh=mesh,
    )


@functools.partial(jax.jit, static_argnums=(0, 5))
def _generate(nets, g_params, parts, present, key, latent_dim):
    z = game_lib.draw_latents(key, parts.shape[0], latent_dim)
    return game_lib.generate(nets, g_params, parts, present, z)


def generate(recipe: Recipe, state, batch, key, *, no_parts=False):
    """``(wholes [n, H, W, C], masks [n, H, W, 1])`` of ``batch["parts"]`` ``[n, P, p, p, C]``
    and ``batch["present"]`` ``[n, P]`` with z drawn from ``key``; ``no_parts``: the same
    generator and z given the empty part set (every part absent, encoding 0)."""
    config = recipe.config
    parts = jnp.asarray(batch["parts"], jnp.float32)
    expected = (config.max_parts, config.patch_size, config.patch_size, config.channels)
    if parts.ndim != 5 or parts.shape[1:] != expected:
        raise UserError(f"parts must be [n, {', '.join(map(str, expected))}], got {parts.shape}")
    present = jnp.asarray(batch["present"], jnp.float32)
    if no_parts:
        present = jnp.zeros_like(present)
    return _generate(networks(config), state.params.g, parts, present, key, config.latent_dim)


def summary(name: str) -> str:
    """One line for ``jaxgen recipes``."""
    data_name, _, patch = DATA[name.removeprefix("parts_")]
    if data_name.startswith("tfds:"):
        return (
            f"Puzzle-GAN (Lee et al. 2018): whole faces of {data_name} from 3 {patch}×{patch} "
            "parts cut at eyes, nose, mouth"
        )
    return f"Puzzle-GAN (Lee et al. 2018): whole digits of {data_name} from 3 {patch}×{patch} parts"


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``: ``parts_digits``, ``parts_mnist``,
    ``parts_celeba``."""
    return {
        f"parts_{data_name}": configured(
            functools.partial(get_config, data_name),
            functools.partial(build, f"parts_{data_name}"),
            {"default": {}, "tiny": TINY},
        )
        for data_name in DATA
    }
