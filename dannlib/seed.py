"""One seeding function for reproducible runs (introduced in notebook 02)."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["set_seed", "make_generator"]


def set_seed(seed: int, deterministic: bool = True) -> int:
    """Seed Python, NumPy and torch, and optionally switch on deterministic algorithms.

    Parameters
    ----------
    seed : int
        The seed. Build models *after* calling this, so their initial weights depend on it.
    deterministic : bool
        Ask torch for deterministic kernels (``warn_only`` so that an op without a
        deterministic implementation warns instead of failing) and disable cuDNN autotuning.

    Returns
    -------
    int
        The seed, so that a notebook cell can end with ``set_seed(seed)`` and show it.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    return seed


def make_generator(seed: int) -> torch.Generator:
    """A seeded CPU ``torch.Generator`` for shuffling and augmentation."""
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g
