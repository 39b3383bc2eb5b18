"""The GAN recipe: a generator, a discriminator, an objective, an update rule and data.

``build(config)`` turns a config (see ``base_config``) into a ``Recipe``. Networks: ``dcgan``
(``jaxgen.nn.DCGANGenerator`` / ``DCGANDiscriminator``) for images, ``mlp`` for 2-D points or
flattened images. The rule is ``alternating`` (``d_steps`` discriminator updates, then
``g_steps`` generator updates) or ``simultaneous``, with Adam or RMSprop for each player.

The switches of the GAN literature are config keys, all off by default:
``objective`` (``jaxgen.losses.OBJECTIVES``), ``penalty`` and ``penalty_weight``
(``jaxgen.losses.regularizers.PENALTIES``), ``instance_noise``, ``weight_clip`` (WGAN),
``d_norm`` and ``spectral_norm`` (the discriminator's normalization), and Salimans et al.'s
(2016) ``feature_matching``, ``minibatch_kernels``, ``historical_averaging`` and
``label_smoothing``.

Class-conditional generation (``jaxgen.game.conditional``, ``jaxgen.nn.conditioning``):
``condition`` is ``concat`` (conditional GAN: G and D read the one-hot label), ``projection``
(G reads it, D projects it onto its features) or ``auxiliary`` (AC-GAN: D predicts it, with
weight ``auxiliary_weight``); G reads it as [z, onehot(y)] (``g_condition=concat``) or through
conditional batch norm (``batch_norm``, dcgan only, as Miyato & Koyama's generator), for data
whose batches carry ``"label"`` in 0 .. ``num_classes`` − 1. Such a recipe's
``sample(state, key, n, labels=None)`` and ``generate(state, z, labels=None)`` take one label
per sample (None: classes 0, 1, ..., K − 1, 0, ... in turn).

InfoGAN (``jaxgen.game.infogan``): ``info_categorical`` K > 0 adds a categorical code c1 and
``info_continuous`` C continuous codes c2 … c(C+1) to the generator's input, and a recognition
head Q on the discriminator, trained with weight ``info_weight``. The recipe's latent is then
[z, onehot(c1), c2, …] (``latent_dim`` + K + C values; ``prior`` draws it), ``sample(state,
key, n, codes=None)`` fixes codes by name (``{"c1": 7, "c2": 0.5}``) and ``infer_codes(state,
images)`` returns Q's ``{"c1": [B] argmax, "c1_logits": [B, K], "c2": [B], …}``.
"""

import functools

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from jaxgen import nn
from jaxgen.errors import UserError, closest
from jaxgen.game import adversarial, alternating, ema, infogan, simultaneous
from jaxgen.game import energy as energy_game
from jaxgen.game.adversarial import Penalty, apply_module
from jaxgen.game.conditional import conditional_adversarial
from jaxgen.game.historical_averaging import historical_averaging
from jaxgen.game.weight_clipping import clip_weights
from jaxgen.losses import gan as gan_losses
from jaxgen.losses import get_objective
from jaxgen.losses.regularizers import PENALTIES
from jaxgen.train import Recipe, TrainState, compile_step, data_mesh, make_train_step
from jaxgen.train.mesh import check_batch_size, replicated
from jaxgen.train.recipe import TINY_LOOP, add_loop_keys, config_dataset
from jaxgen.types import Pair

NETWORKS = ("dcgan", "mlp")
OPTIMIZERS = ("adam", "rmsprop")
RULES = ("alternating", "simultaneous")

# The `tiny` preset of the image recipes, for tests: 8×8 images, widths of 8, batch 8, 20 steps.
TINY_IMAGES = {**TINY_LOOP, "image_size": 8, "g_width": 8, "d_width": 8, "latent_dim": 8}


COMPUTE_DTYPES = ("float32", "bfloat16")
G_CONDITIONS = ("concat", "batch_norm")  # how a class-conditional generator reads the label


def base_config() -> ml_collections.ConfigDict:
    """The keys every GAN recipe has, with neutral defaults; recipes override them."""
    c = ml_collections.ConfigDict()
    c.preset = "default"
    # data
    c.data = "digits"
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.image_size = 8  # images are image_size × image_size × channels
    c.channels = 1
    # networks
    c.network = "dcgan"
    c.latent_dim = 100
    c.g_width = 128  # dcgan: channels of G's last hidden layer; mlp: hidden width
    c.dcgan_stages = 0  # dcgan: stride-2 layers per network; 0: from image_size (base 4 or 7)
    c.d_width = 64
    c.mlp_depth = 2  # mlp only: hidden layers
    # the networks' computation: float32, or bfloat16 on GPU/TPU and CPUs with AMX (parameters,
    # optimizer state, losses and outputs stay float32)
    c.compute_dtype = "float32"
    # objective and rule
    c.objective = "nsgan"
    c.label_smoothing = 0.0  # gan/nsgan: real target 1 − α (one-sided; Salimans et al.: α = 0.1)
    c.penalty = ""  # a discriminator regularizer: gp, gp_one_sided, r1, r2, dragan
    c.penalty_weight = 10.0  # λ of gp and dragan, γ of r1 and r2 (whose terms carry the ½)
    c.instance_noise = 0.0  # σ of the noise added to D's inputs
    c.feature_matching = False  # G matches D's mean last-hidden features (Salimans et al.)
    c.minibatch_kernels = 0  # > 0: minibatch discrimination in D (Salimans et al.: 100)
    c.historical_averaging = 0.0  # weight of ‖θ − mean of past θ‖² for both players
    c.virtual_batch_norm = 0  # dcgan G: > 0, virtual batch norm with a reference batch of this size
    c.d_norm = "batch"  # dcgan D: batch, layer (WGAN-GP) or none
    c.spectral_norm = False  # spectral normalization of every D kernel (SN-GAN)
    c.weight_clip = 0.0  # > 0: clip D's weights to [−c, c] after each update (WGAN)
    c.optimizer = "adam"  # adam (beta1, beta2) or rmsprop (PyTorch's: decay 0.99)
    c.rule = "alternating"  # or simultaneous
    # energy-based objectives (objective ebgan or began): D is an auto-encoder
    c.embedding_dim = 64  # the auto-encoder's bottleneck
    c.ebgan_margin = 1.0  # m, in units of the per-example mean squared reconstruction error
    c.ebgan_pt_weight = 0.1  # the pulling-away term's weight (0: EBGAN without it)
    c.began_gamma = 0.5  # γ, the diversity ratio
    c.began_lambda_k = 0.001  # λ_k, the gain of the k_t controller
    c.d_steps = 1
    c.g_steps = 1
    c.g_learning_rate = 2e-4
    c.d_learning_rate = 2e-4
    # several runs as one program (jaxgen.train.runs): both players' rate η of each run, in the
    # optimizer state (optax.inject_hyperparams); with seeds N, the grid seeds × rates
    c.run_learning_rates = ()
    c.beta1 = 0.5
    c.beta2 = 0.999
    c.ema_decay = 0.0  # > 0: sample from a moving average of G's parameters (game.ema)
    # class-conditional generation: "" (off), concat, projection or auxiliary (AC-GAN)
    c.condition = ""
    c.num_classes = 10  # labels 0 .. num_classes − 1 (the batches' "label")
    c.auxiliary_weight = 1.0  # auxiliary: λ of the class losses (Odena et al.: 1)
    c.g_condition = "concat"  # how G reads the label: concat, or batch_norm (dcgan: conditional BN)
    # InfoGAN: a categorical code of info_categorical values (0: off) and info_continuous
    # uniform codes, recovered by a Q head on D; λ = info_weight, the continuous part × its own
    c.info_categorical = 0
    c.info_continuous = 0
    c.info_weight = 1.0
    c.info_continuous_weight = 0.1
    c.d_dense_width = 0  # dcgan D: > 0, a dense layer before the output (InfoGAN: 1024)
    c.g_dense_width = 0  # dcgan G: > 0, a dense layer between z and the first feature map
    c.info_noise = "normal"  # InfoGAN's z: normal or uniform (U(−1, 1), the authors' code)
    c.info_q_batch_norm = False  # batch norm on Q's hidden layer (InfoGAN's MNIST Q)
    # run
    c.batch_size = 64
    return add_loop_keys(c)


def build(name: str, config: ml_collections.ConfigDict) -> Recipe:
    """The ``Recipe`` of ``config`` (see the module docstring)."""
    check_config(config)
    mesh = data_mesh()
    check_batch_size(config.batch_size, mesh)
    generator, discriminator, data_key = networks(config)
    game = make_game(config, generator, discriminator, data_key)
    rule = update_rule(config)
    if config.ema_decay:
        rule = ema(rule, config.ema_decay)
    data_shape = _data_shape(config)

    conditional = bool(config.condition)
    num_classes = config.num_classes if conditional else 0
    codes_k, codes_c = config.info_categorical, config.info_continuous
    latent_size = config.latent_dim + codes_k + codes_c  # the generator's input
    code_names = tuple(f"c{i + 1}" for i in range(1 + codes_c)) if codes_k else ()

    def example_batch():
        batch = {data_key: np.zeros((config.batch_size, *data_shape), np.float32)}
        if conditional:
            batch["label"] = np.zeros((config.batch_size,), np.int32)
        return batch

    def init_fn(key, batch):
        g_key, d_key, root_key = jax.random.split(key, 3)
        z = jnp.zeros((1, latent_size), jnp.float32)
        label = (jnp.zeros((1,), jnp.int32),) if conditional else ()
        d_label = label if config.condition != "auxiliary" else ()
        g_vars = dict(generator.init(g_key, z, *label, train=False))
        d_vars = dict(discriminator.init(d_key, batch[data_key][:1], *d_label, train=False))
        params = Pair(g_vars.pop("params"), d_vars.pop("params"))
        if config.objective == "began":
            d_vars.update(energy_game.began_state())
        return TrainState.create(
            params=params,
            model_state=Pair(g_vars, d_vars),
            rule_state=rule.init(params),
            key=root_key,
        )

    init = jax.jit(init_fn, out_shardings=replicated(mesh))

    @jax.jit
    def generate_fn(state, z, *labels):
        params = state.rule_state.average.g if config.ema_decay else state.params.g
        fake, _ = apply_module(generator, params, state.model_state.g, z, *labels, train=False)
        return {data_key: fake, **({"label": labels[0]} if labels else {})}

    def labels_of(labels, n):
        if not conditional:
            if labels is not None:
                raise UserError(f"{name} is not class-conditional: it takes no labels")
            return ()
        chosen = np.arange(n) % num_classes if labels is None else labels
        return (jnp.asarray(nn.conditioning.check_labels(chosen, n, num_classes)),)

    def generate(state, z, labels=None):
        return generate_fn(state, z, *labels_of(labels, z.shape[0]))

    def prior(key, n, fixed=None):
        """The generator's input ``[n, latent_size]``; InfoGAN codes in ``fixed`` replace the
        drawn ones (``{"c1": ints [n], "c2": floats [n], ...}``)."""
        if not codes_k:
            return jax.random.normal(key, (n, config.latent_dim), jnp.float32)
        z = infogan.sample_noise(key, n, config.latent_dim, config.info_noise)
        categorical, continuous = infogan.sample_codes(
            jax.random.fold_in(key, 4), n, codes_k, codes_c
        )
        fixed = fixed or {}
        if "c1" in fixed:
            categorical = fixed["c1"]
        for j in range(codes_c):
            if f"c{j + 2}" in fixed:
                continuous = continuous.at[:, j].set(fixed[f"c{j + 2}"])
        return infogan.latent_of(z, categorical, continuous, codes_k)

    @functools.partial(jax.jit, static_argnums=2)
    def sample_fn(state, key, n, labels, fixed):
        return generate_fn(state, prior(key, n, fixed), *labels)

    def sample(state, key, n, labels=None, codes=None):
        return sample_fn(state, key, n, labels_of(labels, n), codes_of(codes, n))

    def codes_of(codes, n):
        if codes is None:
            return {}
        if not code_names:
            raise UserError(f"{name} has no latent codes (InfoGAN recipes: infogan_*)")
        fixed = {}
        for code, value in codes.items():
            if code not in code_names:
                raise UserError(f"unknown code {code!r}: {name} has {', '.join(code_names)}")
            if code == "c1":
                fixed[code] = jnp.asarray(nn.conditioning.check_labels(value, n, codes_k))
            else:
                fixed[code] = jnp.broadcast_to(jnp.asarray(value, jnp.float32), (n,))
        return fixed

    @jax.jit
    def infer_codes(state, images):
        (_, (logits, means)), _ = apply_module(
            discriminator, state.params.d, state.model_state.d, images, train=False
        )
        inferred = {"c1": jnp.argmax(logits, -1), "c1_logits": logits}
        return {**inferred, **{f"c{j + 2}": means[:, j] for j in range(codes_c)}}

    dataset = config_dataset(config, image_size=None if data_key == "x" else config.image_size)

    step = compile_step(
        make_train_step(game, rule, batches_per_step=config.d_steps),
        mesh,
        stacked=config.d_steps > 1,
    )
    return Recipe(
        name=name,
        config=config,
        init=init,
        step=step,
        sample=sample,
        dataset=dataset,
        example_batch=example_batch,
        batches_per_step=config.d_steps,
        mesh=mesh,
        generate=generate,
        latent_dim=latent_size,
        prior=prior if codes_k else None,
        num_classes=num_classes,
        latent_codes=code_names,
        infer_codes=infer_codes if codes_k else None,
    )


def make_game(config, generator, discriminator, data_key):
    """The config's game: ``energy_based`` for ebgan and began, ``adversarial`` otherwise."""
    if config.info_categorical:
        return infogan.info_adversarial(
            generator,
            discriminator,
            objective(config),
            noise_dim=config.latent_dim,
            categorical=config.info_categorical,
            continuous=config.info_continuous,
            info_weight=config.info_weight,
            continuous_weight=config.info_continuous_weight,
            data_key=data_key,
            penalty=penalty(config),
            noise=config.info_noise,
        )
    if config.condition:
        return conditional_adversarial(
            generator,
            discriminator,
            objective(config),
            latent_dim=config.latent_dim,
            data_key=data_key,
            auxiliary_weight=config.auxiliary_weight if config.condition == "auxiliary" else 0,
            penalty=penalty(config),
            noise_std=config.instance_noise,
        )
    if config.objective in energy_game.KINDS:
        return energy_game.energy_based(
            generator,
            discriminator,
            config.objective,
            latent_dim=config.latent_dim,
            data_key=data_key,
            margin=config.ebgan_margin,
            pt_weight=config.ebgan_pt_weight,
            gamma=config.began_gamma,
            lambda_k=config.began_lambda_k,
        )
    return adversarial(
        generator,
        discriminator,
        objective(config),
        latent_dim=config.latent_dim,
        data_key=data_key,
        penalty=penalty(config),
        noise_std=config.instance_noise,
        feature_matching=config.feature_matching,
    )


def objective(config):
    """The config's ``Objective``, with one-sided label smoothing where asked."""
    chosen = get_objective(config.objective)
    if config.label_smoothing:
        real_label = 1.0 - config.label_smoothing
        chosen = chosen._replace(
            discriminator=functools.partial(gan_losses.discriminator_loss, real_label=real_label)
        )
    return chosen


def penalty(config):
    """The config's discriminator regularizer as a ``Penalty``, or None."""
    if not config.penalty:
        return None
    return Penalty(PENALTIES[config.penalty], config.penalty_weight)


def optimizer(config, learning_rate):
    """One player's optax optimizer; the discriminator's gets the config's other switches.

    With ``run_learning_rates`` the rate is a value in the optimizer state (set per run by
    ``jaxgen.train.runs``), starting at the first of them."""
    if config.optimizer == "rmsprop":
        # PyTorch's RMSprop, which the WGAN authors ran: decay 0.99, ε outside the square root.
        make = functools.partial(optax.rmsprop, decay=0.99, eps=1e-8, eps_in_sqrt=False)
    else:
        make = functools.partial(optax.adam, b1=config.beta1, b2=config.beta2)
    if config.run_learning_rates:
        return optax.inject_hyperparams(make)(learning_rate=config.run_learning_rates[0])
    return make(learning_rate)


def update_rule(config):
    """The rule of both players: each one's optimizer, historical averaging and weight clipping."""
    players = {}
    for player in ("g", "d"):
        steps = [optimizer(config, config[f"{player}_learning_rate"])]
        if config.historical_averaging:
            steps.insert(0, historical_averaging(config.historical_averaging))
        if player == "d" and config.weight_clip:
            steps.append(clip_weights(config.weight_clip))
        players[player] = steps[0] if len(steps) == 1 else optax.chain(*steps)
    optimizers = Pair(**players)
    if config.rule == "simultaneous":
        return simultaneous(optimizers)
    return alternating(optimizers, d_steps=config.d_steps, g_steps=config.g_steps)


def check_config(config):
    """Raises a one-line UserError for a config key that is unknown, out of range or does not
    combine with another."""
    if config.compute_dtype not in COMPUTE_DTYPES:
        raise UserError(
            f"compute_dtype={config.compute_dtype!r}: choose one of {', '.join(COMPUTE_DTYPES)}"
        )
    if config.network not in NETWORKS:
        raise UserError(f"unknown network {config.network!r}: {closest(config.network, NETWORKS)}")
    for key, allowed in (
        ("optimizer", OPTIMIZERS),
        ("rule", RULES),
        ("d_norm", nn.dcgan.NORMS),
        ("penalty", ("", *PENALTIES)),
    ):
        if config[key] not in allowed:
            raise UserError(f"unknown {key} {config[key]!r}: {closest(config[key], allowed)}")
    if config.objective in energy_game.KINDS:
        used = [
            key
            for key in ("penalty", "label_smoothing", "feature_matching", "minibatch_kernels")
            if config[key]
        ]
        if used:
            raise UserError(
                f"the {config.objective} objective has an auto-encoder discriminator, which "
                f"{', '.join(used)} do not apply to: unset them"
            )
    else:
        get_objective(config.objective)  # an unknown name is a UserError
    _check_condition(config)
    _check_info(config)
    if config.label_smoothing and config.objective not in ("gan", "nsgan"):
        raise UserError(
            f"label_smoothing is for the gan and nsgan objectives (cross-entropy), not "
            f"{config.objective!r}; set --set label_smoothing=0"
        )
    if not 0 <= config.label_smoothing < 1:
        raise UserError(f"label_smoothing must be in [0, 1), got {config.label_smoothing}")
    for player in ("g", "d"):
        if config[f"{player}_dense_width"] and config.network != "dcgan":
            raise UserError(
                f"{player}_dense_width adds a layer to the dcgan networks, not the mlp: "
                f"set --set {player}_dense_width=0"
            )
    if config.virtual_batch_norm and config.network != "dcgan":
        raise UserError(
            "virtual_batch_norm replaces the dcgan generator's batch norm; the mlp has none"
        )
    for key in (
        "instance_noise",
        "historical_averaging",
        "weight_clip",
        "minibatch_kernels",
        "virtual_batch_norm",
        "d_dense_width",
        "g_dense_width",
    ):
        if config[key] < 0:
            raise UserError(f"config key {key!r} must be 0 (off) or more, got {config[key]}")
    if config.rule == "simultaneous" and (config.d_steps > 1 or config.g_steps > 1):
        raise UserError("the simultaneous rule makes one update per player: set d_steps=g_steps=1")
    if config.penalty:
        coupled = []
        if config.network == "dcgan" and config.d_norm == "batch":
            coupled.append("d_norm=batch")
        if config.minibatch_kernels:
            coupled.append("minibatch_kernels")
        if coupled:
            raise UserError(
                f"penalty {config.penalty!r} takes each example's own input gradient, which "
                f"{' and '.join(coupled)} mix across the batch: use --set d_norm=layer "
                "(WGAN-GP's choice) or d_norm=none, and minibatch_kernels=0"
            )
    for key in (
        "batch_size",
        "steps",
        "latent_dim",
        "d_steps",
        "g_steps",
        "log_every",
        "checkpoint_every",
        "keep_checkpoints",
        "num_samples",
    ):
        if config[key] < 1:
            raise UserError(f"config key {key!r} must be at least 1, got {config[key]}")
    if config.eval_every < 0:
        raise UserError(f"config key 'eval_every' must be 0 (off) or more, got {config.eval_every}")
    if config.eval_every and config.eval_num_samples < 2:
        raise UserError(
            f"config key 'eval_num_samples' must be at least 2, got {config.eval_num_samples}"
        )
    if config.network == "dcgan":
        try:
            nn.dcgan.upsampling_plan(config.image_size, config.dcgan_stages or None)
        except ValueError as error:
            raise UserError(f"{error}; set --set image_size=...") from None


def _check_info(config):
    if config.info_noise not in infogan.NOISES:
        raise UserError(f"info_noise must be one of {infogan.NOISES}, got {config.info_noise!r}")
    if not config.info_categorical:
        if config.info_continuous:
            raise UserError("info_continuous needs info_categorical > 0 (InfoGAN's c1)")
        return
    if config.info_categorical < 2 or config.info_continuous < 0:
        raise UserError(
            "info_categorical must be at least 2 and info_continuous at least 0, got "
            f"{config.info_categorical} and {config.info_continuous}"
        )
    keys = ("condition", "feature_matching", "virtual_batch_norm", "instance_noise", "ema_decay")
    _refuse_with(config, keys, f"InfoGAN (info_categorical={config.info_categorical})", "")


def _check_condition(config):
    if not config.condition:
        return
    allowed = nn.conditioning.CONDITIONS
    if config.condition not in allowed:
        raise UserError(
            f"unknown condition {config.condition!r}: {closest(config.condition, allowed)}"
        )
    if config.num_classes < 2:
        raise UserError(
            f"num_classes must be at least 2 with a condition, got {config.num_classes}"
        )
    if config.g_condition not in G_CONDITIONS:
        raise UserError(
            f"unknown g_condition {config.g_condition!r}: "
            f"{closest(config.g_condition, G_CONDITIONS)}"
        )
    if config.g_condition == "batch_norm" and config.network != "dcgan":
        raise UserError(
            "g_condition=batch_norm is the dcgan generator's; the mlp has no batch norm"
        )
    if config.condition == "auxiliary" and config.auxiliary_weight <= 0:
        raise UserError("condition=auxiliary needs auxiliary_weight > 0 (AC-GAN's λ is 1)")
    keys = ("feature_matching", "virtual_batch_norm", "minibatch_kernels")
    hint = " (--set condition= for an unconditional GAN)"
    _refuse_with(config, keys, f"condition={config.condition}", hint)


def _refuse_with(config, keys, what, hint):
    """A UserError naming the set ``keys`` (and an energy-based objective) that ``what`` does
    not combine with."""
    unsupported = [key for key in keys if config[key]]
    if config.objective in energy_game.KINDS:
        unsupported.append(f"objective={config.objective}")
    if unsupported:
        raise UserError(f"{what} does not combine with {', '.join(unsupported)}: unset them{hint}")


def _is_points(config):
    return config.data in ("ring8", "grid25")


def _data_shape(config):
    if _is_points(config):
        return (2,)
    return (config.image_size, config.image_size, config.channels)


def networks(config):
    """``(generator, discriminator, data_key)`` of a GAN config."""
    shape = _data_shape(config)
    data_key = "x" if _is_points(config) else "image"
    dtype = jnp.dtype(config.compute_dtype)
    if config.network == "dcgan":
        if data_key == "x":
            raise UserError(
                f"the dcgan network needs images; {config.data} gives 2-D points: "
                "use --set network=mlp"
            )
        stages = config.dcgan_stages or None
        generator = nn.DCGANGenerator(
            config.image_size,
            config.channels,
            config.g_width,
            stages,
            config.virtual_batch_norm,
            dtype=dtype,
            num_classes=config.num_classes
            if config.condition and config.g_condition == "batch_norm"
            else 0,
            dense_width=config.g_dense_width,
        )
        discriminator = nn.DCGANDiscriminator(
            config.image_size,
            config.d_width,
            stages,
            config.d_norm,
            config.minibatch_kernels,
            dtype=dtype,
            dense_width=config.d_dense_width,
        )
    else:
        generator = nn.MLPGenerator(
            shape, (config.g_width,) * config.mlp_depth, data_key == "image", dtype=dtype
        )
        discriminator = nn.MLPDiscriminator(
            (config.d_width,) * config.mlp_depth, config.minibatch_kernels, dtype=dtype
        )
    if config.objective in energy_game.KINDS:
        if config.network == "dcgan":
            discriminator = nn.ConvAutoencoder(
                config.image_size,
                config.channels,
                config.d_width,
                config.embedding_dim,
                config.dcgan_stages or None,
            )
        else:
            discriminator = nn.MLPAutoencoder(
                (config.d_width,) * config.mlp_depth, config.embedding_dim
            )
    if config.spectral_norm:
        discriminator = nn.SpectralNorm(discriminator)
    if config.info_categorical:
        discriminator = nn.conditioning.InfoQHead(
            discriminator,
            config.info_categorical,
            config.info_continuous,
            batch_norm=config.info_q_batch_norm,
        )
    if config.condition:
        classes = config.num_classes
        if config.g_condition == "concat":
            generator = nn.conditioning.LabelConcatGenerator(generator, classes)
        wrapper = {
            "concat": nn.conditioning.LabelConcatDiscriminator,
            "projection": nn.conditioning.ProjectionDiscriminator,
            "auxiliary": nn.conditioning.AuxiliaryClassifier,
        }[config.condition]
        discriminator = wrapper(discriminator, classes)
    return generator, discriminator, data_key
