"""CycleGAN recipes (Zhu et al. 2017): ``cyclegan_digits`` and ``cyclegan_mnist``.

    jaxgen train cyclegan_digits --workdir runs/cyclegan_digits     # 8×8 digits, CPU minutes
    jaxgen train cyclegan_mnist --workdir runs/cyclegan_mnist       # mnist5k 28×28
    python -m experiments.cyclegan.run                              # translation errors, figure

Domain A is the digits, domain B other digits of the same split thickened and inverted
(``jaxgen.data.domains``: two disjoint halves, drawn independently, so there are no pairs).
``build(config)`` makes the ``Recipe``: the paper's ResNet-block generators and PatchGAN
discriminators (``jaxgen.nn.cyclegan``) sized by ``g_width``/``d_width``, the numbers of
downsamplings and blocks and ``g_outer_kernel``, the game ``jaxgen.game.cyclegan.cyclegan``
(LSGAN, cycle weight 10, a history of 50 translations per direction in the model state; the
identity loss, 0.5·10 in the paper's code, is off by default here, see below) and the paper's
step, ``simultaneous`` with Adam(2e-4, β1 = 0.5) for both players, the rate constant for the
first half of the steps and then decayed linearly to zero (``lr_decay``; the paper: 100 epochs
constant, 100 decaying). ``sample(state, key, n)`` returns
``{"image": G_BA(b)}`` for ``n`` domain-B test images chosen by the key (repeated when n is
larger than the test split): translations into domain A, the plain digits, so sample grids and
``jaxgen eval`` (whose reference is the plain ``data`` set) compare like with like.
``translate(recipe, state, images, direction)`` applies either generator.

The losses are met by any easily inverted mapping between the domains, not only by T; on the
digits the generator's shape and the identity loss decide which one is found
(``experiments/cyclegan/README.md``). The generator here is local: no downsampling, one block,
3×3 outer convolutions (a 9×9 receptive field, 32 channels). The paper's shape (7×7 outer
convolutions, downsampling, six blocks) sees the whole 8×8 image and turned digits into other
digits (pixel errors within the issue's threshold, but G_BA(T(a)) recognized as a's digit less
often than by chance). The identity loss keeps colours, which T inverts, and with it two of
three seeds settled on a dim copy of the input.

The paper's setting on Cloud (TFDS's ``cycle_gan/horse2zebra`` prepared in array_record format,
splits ``trainA``/``trainB``; 256×256, 7×7 outer convolutions, two downsamplings, nine blocks,
the 70×70 PatchGAN, batch 1, 200 epochs of the larger domain, the code's epoch, decay after
half; N below is the size of the larger of ``trainA`` and ``trainB``; batch 1 needs one
accelerator, or a batch of one per device)::

    jaxgen train cyclegan_digits --workdir gs://BUCKET/cyclegan_h2z \\
        --set data=tfds:cycle_gan/horse2zebra --set data_dir=gs://BUCKET/tfds \\
        --set image_size=256 --set channels=3 --set g_width=64 --set g_downsamplings=2 \\
        --set g_blocks=9 --set g_outer_kernel=7 --set d_width=64 --set d_downsamplings=3 \\
        --set identity_weight=0.5 --set batch_size=1 --set steps=$((200 * N))

What to expect on the digits (``python -m experiments.cyclegan.run``, ~2 minutes on 2 CPU
cores; README there): |G_AB(a) − T(a)| = 0.098 and |G_BA(T(a)) − a| = 0.161 on the test
images against 1.129 for returning the input unchanged, and G_BA(T(a)) recognized as a's digit
91% of the time (seed 0; seed 1 alike; seed 2 meets the pixel threshold with a wrong mapping).
"""

import functools

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from jaxgen.data import domains
from jaxgen.errors import UserError, closest
from jaxgen.game import alternating, simultaneous
from jaxgen.game import cyclegan as game_lib
from jaxgen.nn.cyclegan import PatchGAN, ResnetGenerator
from jaxgen.train import Recipe, TrainState, compile_step, data_mesh, make_train_step
from jaxgen.train.mesh import check_batch_size, replicated
from jaxgen.train.recipe import TINY_LOOP, add_loop_keys

DATA = {"digits": ("digits", 8), "mnist": ("mnist5k", 28)}
RULES = ("simultaneous", "alternating")
DIRECTIONS = {"ab": game_lib.G_AB, "ba": game_lib.G_BA}
TINY = {
    **TINY_LOOP,
    "image_size": 8,
    "g_width": 8,
    "g_downsamplings": 0,  # the transposed convolutions' phases double the compile time
    "g_blocks": 1,
    "d_width": 8,
    "d_downsamplings": 1,
    "history_size": 4,
}


def get_config(data_name: str) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.preset = "default"
    c.data, c.image_size = DATA[data_name]
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.channels = 1
    # A local generator (receptive field 9×9, one block at full resolution, 3×3 outer
    # convolutions): the paper's (7×7 outer convolutions, two downsamplings, 6 or 9 blocks)
    # sees all of a small image and turned digits into other digits (module docstring).
    c.g_width = 32  # the paper: 64
    c.g_downsamplings = 0  # the paper: 2
    c.g_blocks = 1  # the paper: 9 at 256², 6 at 128²
    c.g_outer_kernel = 3  # the first and last convolutions' side (the paper: 7; odd)
    c.d_width = 32  # the paper: 64
    c.d_downsamplings = 1 if data_name == "digits" else 2  # the paper: 3 (70×70 patches)
    c.cycle_weight = game_lib.CYCLE_WEIGHT
    # The identity loss keeps colours (the paper's §5.2) and T inverts them: off here, and
    # with it 2 of 3 seeds on the digits fell into a dim copy of the input (README).
    c.identity_weight = 0.0  # the paper's code: game_lib.IDENTITY_WEIGHT (0.5)
    c.history_size = game_lib.HISTORY_SIZE
    c.rule = "simultaneous"  # the paper's step (jaxgen.game.cyclegan)
    c.learning_rate = 2e-4
    c.beta1 = 0.5
    c.beta2 = 0.999
    c.lr_decay = True  # constant for the first half of the steps, then linearly to zero
    c.batch_size = 16  # the paper: 1
    add_loop_keys(c)
    c.steps = 2000 if data_name == "digits" else 6000
    c.log_every = 100
    c.sample_every = 500
    c.checkpoint_every = 1000
    return c


def _check(config):
    if config.rule not in RULES:
        raise UserError(f"unknown rule {config.rule!r}: {closest(config.rule, RULES)}")
    for key in ("g_width", "d_width", "d_downsamplings", "history_size", "batch_size", "steps"):
        if config[key] < 1:
            raise UserError(f"config key {key!r} must be at least 1, got {config[key]}")
    for key in ("g_downsamplings", "g_blocks", "cycle_weight", "identity_weight"):
        if config[key] < 0:
            raise UserError(f"config key {key!r} must be 0 or more, got {config[key]}")
    if config.g_outer_kernel < 1 or config.g_outer_kernel % 2 == 0:
        raise UserError(f"g_outer_kernel must be odd and positive, got {config.g_outer_kernel}")
    if config.g_outer_kernel // 2 >= config.image_size:
        raise UserError(
            f"g_outer_kernel={config.g_outer_kernel} needs a reflection pad wider than the "
            f"{config.image_size}-pixel image allows: choose a smaller one"
        )
    factor = 2**config.g_downsamplings
    if config.image_size % factor or config.image_size // factor < 2:
        raise UserError(
            f"image_size {config.image_size} must be at least 2·2^g_downsamplings and divisible "
            f"by 2^g_downsamplings = {factor}: change --set g_downsamplings=... or image_size"
        )
    if config.image_size < 3 * 2**config.d_downsamplings:
        raise UserError(
            f"image_size {config.image_size} is too small for d_downsamplings="
            f"{config.d_downsamplings} (needs at least {3 * 2**config.d_downsamplings})"
        )


def learning_rate(config):
    """The paper's schedule: constant for the first half of ``steps``, then linear to zero."""
    if not config.lr_decay:
        return config.learning_rate
    half = config.steps // 2
    return optax.join_schedules(
        [
            optax.constant_schedule(config.learning_rate),
            optax.linear_schedule(config.learning_rate, 0.0, config.steps - half),
        ],
        [half],
    )


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    _check(config)
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    shape = (config.image_size, config.image_size, config.channels)
    generator, discriminator = networks(config)
    game = game_lib.cyclegan(
        generator,
        discriminator,
        cycle_weight=config.cycle_weight,
        identity_weight=config.identity_weight,
    )
    optimizer = optax.adam(learning_rate(config), b1=config.beta1, b2=config.beta2)
    rule = simultaneous(optimizer) if config.rule == "simultaneous" else alternating(optimizer)

    def dataset(split="train"):
        return domains.load(
            config.data,
            split,
            batch_size=config.batch_size,
            seed=config.seed,
            image_size=config.image_size,
            data_dir=config.data_dir,
        )

    def example_batch():
        zeros = np.zeros((config.batch_size, *shape), np.float32)
        return {"image": zeros, "image_b": zeros}

    def init_fn(key, batch):
        params_key, root_key = jax.random.split(key)
        params = game_lib.init_params(
            generator, discriminator, params_key, batch["image"][:1], batch["image_b"][:1]
        )
        return TrainState.create(
            params=params,
            model_state=game_lib.init_model_state(shape, shape, config.history_size),
            rule_state=rule.init(params),
            key=root_key,
        )

    @functools.cache
    def test_images_b():
        test = dataset("test")
        return np.concatenate([batch["image_b"] for batch in test.epoch(256)])

    @functools.partial(jax.jit, static_argnums=2)
    def sample(state, key, n):
        images = test_images_b()
        order = jax.random.permutation(key, images.shape[0])
        chosen = jnp.asarray(images)[jnp.resize(order, (n,))]
        return {"image": game_lib.translate(generator, state.params.g[game_lib.G_BA], chosen)}

    return Recipe(
        name=name,
        config=config,
        init=jax.jit(init_fn, out_shardings=replicated(mesh)),
        step=compile_step(make_train_step(game, rule), mesh),
        sample=sample,
        dataset=dataset,
        example_batch=example_batch,
        batches_per_step=1,
        mesh=mesh,
    )


def networks(config):
    """``(generator, discriminator)`` of a CycleGAN config."""
    generator = ResnetGenerator(
        config.g_width,
        config.g_downsamplings,
        config.g_blocks,
        outer_kernel=config.g_outer_kernel,
    )
    return generator, PatchGAN(config.d_width, config.d_downsamplings)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _translate(generator, params, images, direction):
    return game_lib.translate(generator, params.g[direction], images)


def translate(recipe: Recipe, state, images, direction: str = "ab"):
    """One generator of a CycleGAN recipe's ``state`` applied to ``images`` ``[n, H, W, C]``:
    ``direction`` ``"ab"`` is G_AB (domain A → B), ``"ba"`` is G_BA."""
    if direction not in DIRECTIONS:
        raise UserError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    generator, _ = networks(recipe.config)
    return _translate(generator, state.params, jnp.asarray(images), DIRECTIONS[direction])


def summary(name: str) -> str:
    """One line for ``jaxgen recipes``."""
    return (
        f"CycleGAN (Zhu et al. 2017): unpaired {DATA[name.removeprefix('cyclegan_')][0]} ↔ "
        "their thickened, inverted copies; LSGAN, cycle and identity losses, a history of 50"
    )


def factories(configured) -> dict:
    """``name → factory`` for ``jaxgen.recipes.register``: ``cyclegan_digits``,
    ``cyclegan_mnist``."""
    return {
        f"cyclegan_{data_name}": configured(
            functools.partial(get_config, data_name),
            functools.partial(build, f"cyclegan_{data_name}"),
            {"default": {}, "tiny": TINY},
        )
        for data_name in DATA
    }
