"""Face-appropriate augmentation applied to whole batches on the device (notebook 02).

Per-sample random small rotation, scale, translation and horizontal flip are
folded into one affine matrix per image and applied with a single
``grid_sample`` call; brightness and contrast jitter are one multiply-add. This
is the vectorised counterpart of :func:`dannlib.transforms.face_transforms`
(torchvision v2, one image at a time), fast enough that training stays
compute-bound.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["BatchAugment"]


@functools.lru_cache(maxsize=8)
def _base_grid(h: int, w: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """Pixel-centre coordinates in [-1, 1] as ``[H*W, 3]`` rows ``(x, y, 1)``.

    Equivalent to ``F.affine_grid(..., align_corners=False)`` but built once: the
    per-batch work is then a single small matrix product.
    """
    ys = (torch.arange(h, dtype=dtype) * 2 + 1) / h - 1
    xs = (torch.arange(w, dtype=dtype) * 2 + 1) / w - 1
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx, gy, torch.ones_like(gx)], -1).view(-1, 3).to(device)


@dataclass
class BatchAugment:
    """Random per-image affine jitter, flips and photometric jitter for a float batch.

    Parameters
    ----------
    rotation_deg : float
        Maximum absolute rotation.
    scale : tuple of float
        Range of zoom factors (1 = whole face; >1 crops in slightly).
    translate : float
        Maximum shift as a fraction of the image size.
    flip : bool
        Random horizontal flips (faces are roughly symmetric; emotions are not lateral).
    brightness, contrast : float
        Maximum relative change.
    """

    rotation_deg: float = 8.0
    scale: tuple[float, float] = (0.95, 1.08)
    translate: float = 0.05
    flip: bool = True
    brightness: float = 0.15
    contrast: float = 0.15

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        b = x.shape[0]

        def u(lo: float, hi: float) -> torch.Tensor:
            return torch.rand(b, generator=generator) * (hi - lo) + lo

        angle = u(-1, 1) * math.radians(self.rotation_deg)
        zoom = u(*self.scale)
        tx, ty = u(-1, 1) * self.translate * 2, u(-1, 1) * self.translate * 2
        sign = torch.where(torch.rand(b, generator=generator) < 0.5, -1.0, 1.0) if self.flip else 1
        bright = u(-self.brightness, self.brightness)
        contr = u(1 - self.contrast, 1 + self.contrast)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        theta = torch.stack(
            [torch.stack([cos * sign, -sin, tx], 1), torch.stack([sin * sign, cos, ty], 1)], 1
        ).to(x.device, x.dtype)
        grid = _base_grid(x.shape[-2], x.shape[-1], x.device, x.dtype) @ theta.transpose(1, 2)
        grid = grid.view(b, x.shape[-2], x.shape[-1], 2)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        contr = contr.view(-1, 1, 1, 1).to(x.device, x.dtype)
        bright = bright.view(-1, 1, 1, 1).to(x.device, x.dtype)
        return ((x - mean) * contr + mean + bright).clamp_(0.0, 1.0)
