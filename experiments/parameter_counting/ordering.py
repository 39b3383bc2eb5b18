"""The pixel ordering's effect on held-out likelihood: FVSBN, NADE and MADE on binarized digits.

An autoregressive model factorizes p(x) = Π_k p(x_{o_k} | x_{o_<k}) in an ordering o. With
tabular conditionals every ordering gives the same family (all of the simplex), but with
logistic (FVSBN) or neural (NADE, MADE) conditionals the family depends on o: each conditional
sees a different set of earlier pixels through a restricted function class (Frey 1998;
Larochelle & Murray 2011 fix one ordering; Germain et al. 2015, §4, train MADE over many
orderings at once, which jaxgen does not). This part trains ``{model}_digits`` in the raster,
snake and random orderings of ``jaxgen.nn.orderings`` and reports the NLL of the whole test
split.

Seed s sets the training seed (initialization and the order of the training batches) and, for
``random``, the ordering's seed, so the spread over seeds of ``random`` includes the choice of
ordering while that of raster and snake is training noise only. Training is the loop of
``jaxgen.train.train`` (``recipe.init``, then ``recipe.step`` on batch t − 1 at step t) without
its checkpoints, logs and sample grids.
"""

import time

import jax
import numpy as np

from jaxgen import recipes
from jaxgen.metrics import bits_per_dim
from jaxgen.recipes.likelihood import model_of
from jaxgen.train.mesh import put_batch


def recipe_of(config, model: str, ordering: str, seed: int):
    """The ``{model}_{data}`` recipe with ``config``'s budget, ``ordering`` and ``seed``."""
    overrides = {"hidden": config.hidden_of[model]} if model in config.hidden_of else {}
    return recipes.get(
        f"{model}_{config.data}",
        preset=config.preset,
        steps=config.steps[model],
        ordering=ordering,
        ordering_seed=seed,
        seed=seed,
        **overrides,
    )


def train_state(recipe):
    """The TrainState after ``recipe.config.steps`` steps from ``recipe.config.seed``."""
    state = recipe.init(jax.random.PRNGKey(recipe.config.seed), recipe.example_batch())
    dataset = recipe.dataset("train")
    metrics = {}
    for position in range(recipe.config.steps):
        state, metrics = recipe.step(state, put_batch(dataset.batch(position), recipe.mesh))
    loss = float(jax.device_get(metrics["loss_g"]))
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"{recipe.name} ended with a non-finite loss {loss}; lower the learning rate"
        )
    return state


def split_nlls(recipe, state, splits) -> dict[str, np.ndarray]:
    """−log p(x) in nats of every image of each split, ``[num_examples]`` each; the splits go
    through the model as one batch, so ``log_prob`` compiles once."""
    batches = []
    for split in splits:
        dataset = recipe.dataset(split)
        (batch,) = list(dataset.epoch(dataset.num_examples))
        batches.append(batch["image"])
    model = model_of(recipe.config)
    log_probs = model.apply({"params": state.params.g}, np.concatenate(batches), method="log_prob")
    nlls = -np.asarray(log_probs, np.float64)
    ends = np.cumsum([len(batch) for batch in batches])
    return dict(zip(splits, np.split(nlls, ends[:-1]), strict=True))


def run_one(config, model: str, ordering: str, seed: int) -> dict:
    """Trains one model and measures it: test and train NLL (nats, bits/dim), parameters."""
    began = time.perf_counter()
    recipe = recipe_of(config, model, ordering, seed)
    state = train_state(recipe)
    nlls = split_nlls(recipe, state, ("test", "train"))
    test, train = nlls["test"], nlls["train"]
    num_dims = recipe.config.image_size**2 * recipe.config.channels
    return {
        "model": model,
        "ordering": ordering,
        "seed": seed,
        "steps": recipe.config.steps,
        "hidden": recipe.config.hidden if model != "fvsbn" else None,
        "parameters": sum(leaf.size for leaf in jax.tree.leaves(state.params.g)),
        "test_nll": float(test.mean()),
        "test_bits_per_dim": float(bits_per_dim(test.mean(), num_dims)),
        "train_nll": float(train.mean()),
        "num_test": int(test.size),
        "num_train": int(train.size),
        "seconds": time.perf_counter() - began,
    }


def run(config, log=print) -> list[dict]:
    """Every model × ordering × seed of ``config``, one after another."""
    results = []
    for model in config.models:
        for ordering in config.orderings:
            for seed in range(config.seeds):
                result = run_one(config, model, ordering, seed)
                log(
                    f"  {model:5s} {ordering:6s} seed {seed}: test NLL "
                    f"{result['test_nll']:.3f} nats, train {result['train_nll']:.3f} "
                    f"({result['seconds']:.0f} s)"
                )
                results.append(result)
    return results


def summary(results: list[dict]) -> list[dict]:
    """Per model × ordering: mean and sample standard deviation (ddof 1; NaN for one seed)
    over the seeds of the test NLL (nats and bits/dim) and the train NLL."""
    rows = []
    groups = dict.fromkeys((r["model"], r["ordering"]) for r in results)
    for model, ordering in groups:
        runs = [r for r in results if r["model"] == model and r["ordering"] == ordering]
        row = {"model": model, "ordering": ordering, "seeds": len(runs)}
        for key in ("test_nll", "test_bits_per_dim", "train_nll", "seconds"):
            values = np.array([r[key] for r in runs])
            std = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
            row[key] = (float(values.mean()), std)
        row["per_seed"] = [r["test_nll"] for r in runs]
        row["num_test"] = runs[0]["num_test"]
        row["parameters"] = runs[0]["parameters"]
        row["steps"] = runs[0]["steps"]
        row["hidden"] = runs[0]["hidden"]
        rows.append(row)
    return rows
