import numpy as np
import pytest

from dannlib.analysis import balanced_sample, proxy_a_distance, tsne_embedding


def test_pad_separable_domains_is_near_two():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (200, 5))
    b = rng.normal(6, 1, (200, 5))
    assert proxy_a_distance(a, b) == pytest.approx(2.0, abs=0.05)


def test_pad_identical_distributions_is_near_zero():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, (400, 5)), rng.normal(0, 1, (400, 5))
    assert abs(proxy_a_distance(a, b)) < 0.3


def test_pad_needs_samples():
    with pytest.raises(ValueError, match="at least 4"):
        proxy_a_distance(np.zeros((2, 3)), np.zeros((2, 3)))


def test_tsne_shape_and_seed():
    x = np.random.default_rng(0).normal(size=(40, 8))
    e1, e2 = tsne_embedding(x, seed=1), tsne_embedding(x, seed=1)
    assert e1.shape == (40, 2) and np.allclose(e1, e2)


def test_balanced_sample():
    idx = balanced_sample(100, 10, seed=0)
    assert len(idx) == 10 and len(set(idx)) == 10 and np.all(np.diff(idx) > 0)
    assert list(balanced_sample(5, 10)) == [0, 1, 2, 3, 4]
