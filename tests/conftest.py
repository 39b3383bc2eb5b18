"""One persistent XLA compilation cache for the whole test run.

Compiling is most of what a test of a tiny recipe costs on CPU, and many tests compile the same
programs: the CLI tests' subprocesses, resuming, sampling and the latent tools all build the
tiny ``dcgan_digits`` and ``gan_ring8``. With JAX's persistent compilation cache a program
compiled once loads in a fraction of a second in any later test or process.

The cache is a fresh directory per pytest run, created by the controlling process before the
xdist workers start and handed to them and to every subprocess through the environment
(``JAX_COMPILATION_CACHE_DIR``), so that no run reads another run's entries; it is deleted at
the end. ``JAXGEN_TEST_JIT_CACHE=0`` turns it off.
"""

import os
import shutil
import tempfile

_OWNER = "JAXGEN_TEST_JIT_CACHE_OWNER"


def pytest_configure(config):
    if (
        os.environ.get("JAXGEN_TEST_JIT_CACHE", "1") == "0"
        or "JAX_COMPILATION_CACHE_DIR" in os.environ
    ):
        return  # off, or set up by the controlling process (xdist workers inherit it)
    directory = tempfile.mkdtemp(prefix="jaxgen-test-jit-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = directory
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"
    os.environ[_OWNER] = str(os.getpid())
    import jax  # noqa: PLC0415  (after the environment, which jax reads at import)

    jax.config.update("jax_compilation_cache_dir", directory)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def pytest_unconfigure(config):
    if os.environ.get(_OWNER) == str(os.getpid()):
        shutil.rmtree(os.environ["JAX_COMPILATION_CACHE_DIR"], ignore_errors=True)


# The longest tests (minutes each on 2 cores), started first: pytest-xdist hands out tests in
# collection order, and the demo's training collected last ran alone at the end of the run
# for about 4 minutes while the other worker sat idle (15 min 50 s in all, CI=true, 2 cores).
LONG_TESTS_FIRST = (
    "tests/test_demo.py::test_demo_training_makes_recognizable_digits_of_every_class",
    "tests/experiments/test_rule_zoo.py",
    "tests/experiments/test_dcgan_latent.py",
    "tests/recipes/test_likelihood_ranking.py",
)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        for position, prefix in enumerate(LONG_TESTS_FIRST):
            if item.nodeid.startswith(prefix):
                return position
        return len(LONG_TESTS_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order
