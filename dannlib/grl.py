"""The gradient reversal layer (introduced in notebook 03).

Forward: the identity. Backward: the incoming gradient multiplied by ``-lambda``.
Placed between the feature extractor and the domain classifier, it makes the
feature extractor *maximise* the domain loss that the classifier minimises.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["GradientReversalFunction", "GradientReversal", "grad_reverse"]


class GradientReversalFunction(torch.autograd.Function):
    """Autograd function: ``y = x`` forward, ``dL/dx = -lambda * dL/dy`` backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, lambda_: float) -> torch.Tensor:  # type: ignore[override]
        ctx.lambda_ = float(lambda_)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):  # type: ignore[override]
        return -ctx.lambda_ * grad_output, None


def grad_reverse(x: torch.Tensor, lambda_: float = 1.0) -> torch.Tensor:
    """Apply gradient reversal with strength ``lambda_`` to ``x``."""
    return GradientReversalFunction.apply(x, lambda_)


class GradientReversal(nn.Module):
    """Module wrapper of :func:`grad_reverse`; set ``.lambda_`` every training step."""

    def __init__(self, lambda_: float = 1.0) -> None:
        super().__init__()
        self.lambda_ = float(lambda_)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return grad_reverse(x, self.lambda_)

    def extra_repr(self) -> str:
        return f"lambda_={self.lambda_:.3g}"
