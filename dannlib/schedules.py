"""The paper's schedules for the reversal strength and the learning rate (notebook 03).

Both are functions of the training progress ``p = step / total_steps`` in [0, 1],
measured over the *whole* run, not over a fixed number of iterations.
"""

from __future__ import annotations

import math

__all__ = ["progress", "grl_lambda", "dann_lr"]


def progress(step: int, total_steps: int) -> float:
    """Training progress ``p = step / total_steps``, clipped to [0, 1]."""
    if total_steps <= 0:
        raise ValueError(f"total_steps must be positive, got {total_steps}.")
    return min(max(step / total_steps, 0.0), 1.0)


def grl_lambda(p: float, gamma: float = 10.0, lambda_max: float = 1.0) -> float:
    """Reversal strength ``lambda_p = lambda_max * (2 / (1 + exp(-gamma p)) - 1)``.

    Starts at 0, so that the domain classifier's noisy early gradients do not disturb
    the feature extractor, and rises smoothly towards ``lambda_max``.
    """
    return lambda_max * (2.0 / (1.0 + math.exp(-gamma * p)) - 1.0)


def dann_lr(p: float, lr0: float = 0.01, alpha: float = 10.0, beta: float = 0.75) -> float:
    """Annealed learning rate ``mu_p = mu_0 / (1 + alpha p) ** beta``."""
    return lr0 / (1.0 + alpha * p) ** beta
