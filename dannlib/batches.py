"""Fast in-memory batch streams (introduced in notebook 02).

Small face datasets fit in memory as ``uint8`` tensors, so a batch is one index
operation, one copy to the device and one conversion to float: no per-image
Python work and no worker processes. Streams reshuffle with their own seeded
generator and can cycle forever, which is how DANN pairs a source batch with a
target batch at every step without truncating the larger domain.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .augment import BatchAugment

__all__ = ["BatchStream", "to_device_float"]


def to_device_float(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``uint8 [B,3,H,W]`` on the CPU -> float in [0, 1] on ``device``.

    On CUDA the copy is made from pinned memory with ``non_blocking=True`` and the
    conversion happens on the GPU (a quarter of the bytes cross the bus).
    """
    if device.type == "cuda":
        return images.pin_memory().to(device, non_blocking=True).float().div_(255.0)
    return images.to(device).float().div_(255.0)


class BatchStream:
    """Shuffled mini-batches from in-memory tensors, with resumable state.

    Parameters
    ----------
    images : torch.Tensor
        ``uint8 [N, 3, H, W]``.
    labels : torch.Tensor or None
        ``int64 [N]``, or ``None`` for an unlabelled stream (it then yields images only).
    batch_size : int
        Every batch from :meth:`next` has exactly this size: a pass that runs out
        reshuffles and continues (``cycle`` semantics).
    seed : int
        Seed of the stream's own generator (shuffling and augmentation).
    device : torch.device
        Where batches are delivered.
    augment : BatchAugment or None
        Applied on the device, per sample, to every batch.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor | None,
        batch_size: int,
        seed: int,
        device: torch.device,
        augment: BatchAugment | None = None,
    ) -> None:
        if len(images) == 0:
            raise ValueError("BatchStream got no images.")
        self.images = images
        self.labels = labels
        self.batch_size = int(batch_size)
        self.device = device
        self.augment = augment
        self.generator = torch.Generator().manual_seed(int(seed))
        self._order = torch.randperm(len(images), generator=self.generator)
        self._pos = 0

    def __len__(self) -> int:
        return len(self.images)

    def _take(self, n: int) -> torch.Tensor:
        parts = []
        while n > 0:
            if self._pos >= len(self._order):
                self._order = torch.randperm(len(self.images), generator=self.generator)
                self._pos = 0
            chunk = self._order[self._pos : self._pos + n]
            self._pos += len(chunk)
            n -= len(chunk)
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def next(self) -> tuple[torch.Tensor, torch.Tensor] | torch.Tensor:
        """The next batch: ``(x, y)`` for a labelled stream, ``x`` for an unlabelled one."""
        idx = self._take(self.batch_size)
        x = to_device_float(self.images[idx], self.device)
        if self.augment is not None:
            x = self.augment(x, self.generator)
        if self.labels is None:
            return x
        return x, self.labels[idx].to(self.device, non_blocking=True)

    def __iter__(self) -> Iterator:
        while True:
            yield self.next()

    def state_dict(self) -> dict:
        """Generator state, current permutation and position, for exact resumption."""
        return {"rng": self.generator.get_state(), "order": self._order.clone(), "pos": self._pos}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["rng"])
        self._order = state["order"].clone()
        self._pos = int(state["pos"])


def eval_batches(images: torch.Tensor, batch_size: int, device: torch.device):
    """Deterministic, unshuffled float batches for evaluation."""
    for i in range(0, len(images), batch_size):
        yield to_device_float(images[i : i + batch_size], device)
