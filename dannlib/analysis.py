"""Feature-space analysis: proxy A-distance and t-SNE (introduced in notebook 04).

Kept apart from training on purpose: these tools look at a trained model's
features, they never change it.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

__all__ = ["proxy_a_distance", "tsne_embedding", "balanced_sample"]


def balanced_sample(n_total: int, max_n: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``max_n`` of ``n_total`` items, drawn without replacement."""
    rng = np.random.default_rng(seed)
    if n_total <= max_n:
        return np.arange(n_total)
    return np.sort(rng.choice(n_total, size=max_n, replace=False))


def proxy_a_distance(
    source_features: np.ndarray, target_features: np.ndarray, seed: int = 0, C: float = 1.0
) -> float:
    """Proxy A-distance ``2 (1 - 2 eps)`` between two feature sets.

    ``eps`` is the test error of a linear domain classifier (logistic regression on
    standardised features) trained on half of each domain and tested on the other
    half. 2 means the domains are perfectly separable, 0 means indistinguishable.
    Equal numbers of source and target samples are used, so chance error is 0.5.
    """
    n = min(len(source_features), len(target_features))
    if n < 4:
        raise ValueError(f"proxy_a_distance needs at least 4 samples per domain, got {n}.")
    rng = np.random.default_rng(seed)
    s = source_features[rng.permutation(len(source_features))[:n]]
    t = target_features[rng.permutation(len(target_features))[:n]]
    half = n // 2
    x_train = np.concatenate([s[:half], t[:half]])
    y_train = np.r_[np.zeros(half), np.ones(half)]
    x_test = np.concatenate([s[half:], t[half:]])
    y_test = np.r_[np.zeros(n - half), np.ones(n - half)]
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    clf.fit(x_train, y_train)
    eps = float(np.mean(clf.predict(x_test) != y_test))
    return 2.0 * (1.0 - 2.0 * eps)


def tsne_embedding(features: np.ndarray, seed: int = 0, perplexity: float = 30.0) -> np.ndarray:
    """2-D t-SNE embedding ``[N, 2]`` of ``features`` (PCA initialisation, seeded)."""
    n = len(features)
    if n < 5:
        raise ValueError(f"t-SNE needs at least 5 points, got {n}.")
    perplexity = min(perplexity, max(2.0, (n - 1) / 3))
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
    return tsne.fit_transform(np.asarray(features, dtype=np.float32))
