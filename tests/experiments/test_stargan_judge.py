"""StarGAN's pixel-space judge (``experiments.stargan.run.nearest_transformation``): which of the
12 known transformations of a digit a translation is nearest, against the transformations
themselves and ``jaxgen.data.multi_domain.transform``."""

import numpy as np

from experiments.stargan import run
from jaxgen.data import multi_domain
from jaxgen.data.captioned import signed_split


def digits(n=40):
    images, _ = signed_split("digits", "test", 8)
    return images[:n]


def test_each_transformation_is_found_as_itself():
    x = digits()
    candidates = run.transformation_candidates(x)
    names = run.transformation_names()
    assert len(names) == 12 and names[0] == "identity+0°" and names[-1] == "inverted+270°"
    for index, name in enumerate(names):
        plain, turn = name.split("+")
        domain = multi_domain.DOMAINS.index(plain)
        transformed = np.rot90(
            multi_domain.transform(x, np.full(len(x), domain)), int(turn[:-1]) // 90, axes=(1, 2)
        )
        noisy = transformed + np.random.default_rng(index).normal(0, 0.05, x.shape)
        np.testing.assert_array_equal(run.nearest_transformation(noisy, candidates), index)


def test_each_domains_target_is_its_transformation():
    x = digits()
    candidates = run.transformation_candidates(x)
    for target in range(len(multi_domain.DOMAINS)):
        truth = multi_domain.transform(x, np.full(len(x), target))
        found = run.nearest_transformation(truth, candidates)
        np.testing.assert_array_equal(found, run.target_transformation(target))
    # an untouched input is judged as the identity, not as the rotated domain's T
    assert not np.any(run.nearest_transformation(x, candidates) == run.target_transformation(1))
