"""A tiny, learnable two-domain dataset built at test time (no downloads)."""

from __future__ import annotations

import numpy as np
import torch

from dannlib.datasets import DomainDataset, FaceSet
from dannlib.emotions import EMOTIONS


def _images(labels: np.ndarray, size: int, rng: np.random.Generator, shifted: bool) -> torch.Tensor:
    n = len(labels)
    x = rng.integers(0, 60, size=(n, 3, size, size)).astype(np.uint8)
    cell = size // 4
    for i, y in enumerate(labels):  # the class is a bright square at one of 7 positions
        r, c = divmod(int(y), 4)
        x[i, :, r * cell : (r + 1) * cell, c * cell : (c + 1) * cell] = 220
    if shifted:  # the "target" imaging shift: a colour cast
        x[:, 0] = np.clip(x[:, 0].astype(int) + 70, 0, 255)
    return torch.from_numpy(x)


def make_toy_dataset(
    people: int = 4, per_class: int = 2, size: int = 32, seed: int = 0
) -> DomainDataset:
    """``people`` subjects per domain and split, ``per_class`` images per emotion each."""
    rng = np.random.default_rng(seed)
    sets = {}
    for domain in ("men", "women"):
        for split in ("train", "val", "test"):
            labels = np.tile(np.repeat(np.arange(len(EMOTIONS)), per_class), people)
            subjects = np.repeat(
                [f"{domain}_{split}_{p}" for p in range(people)], len(EMOTIONS) * per_class
            )
            sets[(domain, split)] = FaceSet(
                _images(labels, size, rng, domain == "women"),
                torch.from_numpy(labels),
                subjects,
                domain,
                split,
            )
    return DomainDataset("toy", "men", "women", sets, info={"seed": seed})
