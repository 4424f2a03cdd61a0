"""Per-image torchvision transforms for faces (notebook 01).

:func:`face_transforms` builds a ``torchvision.transforms.v2`` pipeline for ``uint8`` image
tensors ``[3, H, W]`` (or batches ``[B, 3, H, W]``). Training augmentation is kept *mild*,
because an expression lives in small details: a 10 degree tilt, a mirror image (emotions are
not left/right specific) and a crop that keeps almost the whole face still show the same
emotion, while heavy crops could cut away the mouth or the brows.

For fast augmentation of whole batches on the GPU see :class:`dannlib.augment.BatchAugment`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchvision.transforms import v2

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "ToThreeChannels", "face_transforms"]

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)


class ToThreeChannels(torch.nn.Module):
    """Repeat a single gray channel three times (``[..., 1, H, W] -> [..., 3, H, W]``).

    Three-channel input passes through unchanged.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim >= 3 and x.shape[-3] == 1:
            return x.expand(*x.shape[:-3], 3, *x.shape[-2:]).clone()
        return x


def face_transforms(
    train: bool,
    image_size: int = 48,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    *,
    normalize: str | None = None,
    rotation: float = 10.0,
    flip: bool = True,
    scale: tuple[float, float] = (0.85, 1.0),
    ratio: tuple[float, float] = (0.95, 1.05),
    color_jitter: tuple[float, float, float] = (0.2, 0.2, 0.1),
    grayscale: bool = False,
) -> v2.Compose:
    """Face transforms for training or evaluation (notebook 01).

    Parameters
    ----------
    train : bool
        ``True``: random augmentation; ``False``: deterministic (resize, dtype, normalise).
    image_size : int
        Output side length.
    mean, std : sequence of float, optional
        Normalise with these per-channel values (after scaling to ``[0, 1]``).
    normalize : {None, "imagenet"}
        ``"imagenet"`` uses :data:`IMAGENET_MEAN`/:data:`IMAGENET_STD` (for ImageNet-pretrained
        backbones). Default: no normalisation, values stay in ``[0, 1]`` (dannlib's models
        normalise inside the network).
    rotation : float
        Maximum rotation in degrees (training).
    flip : bool
        Random horizontal flips (training).
    scale, ratio : tuple of float
        ``RandomResizedCrop`` area and aspect ranges, close to the whole face (training).
    color_jitter : (float, float, float)
        Brightness, contrast and saturation jitter (training); ``(0, 0, 0)`` turns it off.
    grayscale : bool
        Make every image gray (three equal channels), e.g. to remove colour cues.

    Returns
    -------
    torchvision.transforms.v2.Compose
        Takes ``uint8`` tensors ``[3, H, W]`` or ``[1, H, W]`` (gray is expanded to three
        channels) and returns ``float32`` ``[3, image_size, image_size]``. Applied to a batch
        ``[B, C, H, W]`` the random parameters are drawn once for the whole batch; apply it
        per image (e.g. in a ``Dataset``) for per-image augmentation.
    """
    if normalize is not None and normalize != "imagenet":
        raise ValueError(f"normalize must be None or 'imagenet'; got {normalize!r}.")
    if normalize == "imagenet":
        if mean is not None or std is not None:
            raise ValueError("Pass either normalize='imagenet' or mean/std, not both.")
        mean, std = IMAGENET_MEAN, IMAGENET_STD
    if (mean is None) != (std is None):
        raise ValueError("Pass both mean and std (or neither).")

    steps: list = [ToThreeChannels()]
    if grayscale:
        steps.append(v2.Grayscale(num_output_channels=3))
    if train:
        steps.append(
            v2.RandomResizedCrop((image_size, image_size), scale=scale, ratio=ratio, antialias=True)
        )
        if flip:
            steps.append(v2.RandomHorizontalFlip())
        if rotation:
            steps.append(v2.RandomRotation(rotation, interpolation=v2.InterpolationMode.BILINEAR))
        if any(color_jitter):
            b, c, s = color_jitter
            steps.append(v2.ColorJitter(brightness=b, contrast=c, saturation=s))
    else:
        steps.append(v2.Resize((image_size, image_size), antialias=True))
    steps.append(v2.ToDtype(torch.float32, scale=True))
    if mean is not None:
        steps.append(v2.Normalize(mean=list(mean), std=list(std)))
    return v2.Compose(steps)
