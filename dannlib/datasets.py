"""In-memory face datasets shared by every loader (introduced in notebook 01).

Every loader (SynthFaces, KDEF, men/women folders, CSV manifests) returns a
:class:`DomainDataset`: one :class:`FaceSet` per (domain, split), with images held
in memory as ``uint8`` tensors of shape ``[N, 3, H, W]``. Holding small datasets
in memory keeps training compute-bound rather than loader-bound.

The target domain's training images reach DANN only through
:meth:`FaceSet.images_only`, which has no labels at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .emotions import EMOTIONS

__all__ = ["FaceSet", "UnlabelledFaces", "DomainDataset", "SPLITS"]

SPLITS: tuple[str, ...] = ("train", "val", "test")


@dataclass(frozen=True)
class UnlabelledFaces:
    """Images of one domain with no labels: what DANN sees of the target domain."""

    images: torch.Tensor
    domain: str

    def __len__(self) -> int:
        return int(self.images.shape[0])


@dataclass
class FaceSet:
    """Faces of one domain and one split, held in memory.

    Attributes
    ----------
    images : torch.Tensor
        ``uint8`` tensor ``[N, 3, H, W]``.
    labels : torch.Tensor
        ``int64`` tensor ``[N]``, indices into :data:`dannlib.emotions.EMOTIONS`.
    subjects : numpy.ndarray
        Person identifier per image (strings), used for subject-disjoint splits.
    domain : str
        Domain name, e.g. ``"men"`` or ``"women"``.
    split : str
        One of ``"train"``, ``"val"``, ``"test"``.
    paths : list of str, optional
        Source file per image, for real datasets.
    extras : dict
        Optional per-image arrays, e.g. SynthFaces' ``"aus"`` (action-unit intensities).
    """

    images: torch.Tensor
    labels: torch.Tensor
    subjects: np.ndarray
    domain: str
    split: str
    paths: list[str] | None = None
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.images.shape[0]
        if self.images.dtype != torch.uint8 or self.images.ndim != 4 or self.images.shape[1] != 3:
            raise ValueError(
                f"FaceSet({self.domain}/{self.split}) needs uint8 images [N, 3, H, W]; "
                f"got dtype={self.images.dtype}, shape={tuple(self.images.shape)}."
            )
        if self.labels.shape != (n,) or len(self.subjects) != n:
            raise ValueError(
                f"FaceSet({self.domain}/{self.split}): {n} images but {len(self.labels)} labels "
                f"and {len(self.subjects)} subjects; they must match one to one."
            )
        self.labels = self.labels.to(torch.int64)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def images_only(self) -> UnlabelledFaces:
        """The same images without labels (the target stream for DANN)."""
        return UnlabelledFaces(images=self.images, domain=self.domain)

    def class_counts(self) -> np.ndarray:
        """Number of images per emotion, in :data:`EMOTIONS` order."""
        return np.bincount(self.labels.numpy(), minlength=len(EMOTIONS))


@dataclass
class DomainDataset:
    """A two-domain emotion dataset: ``sets[(domain, split)] -> FaceSet``.

    Attributes
    ----------
    name : str
        ``"synthfaces"``, ``"kdef"``, ``"folders"`` or ``"csv"``.
    source, target : str
        Domain names; source is labelled, target is treated as unlabelled for training.
    sets : dict
        ``(domain, split) -> FaceSet``.
    skipped : list of (str, str)
        Files that were skipped, with the reason. Never dropped silently.
    info : dict
        Loader-specific facts (e.g. the generator parameters).
    """

    name: str
    source: str
    target: str
    sets: dict[tuple[str, str], FaceSet]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    classes: tuple[str, ...] = EMOTIONS

    def get(self, domain: str, split: str) -> FaceSet:
        """Return the :class:`FaceSet` for ``domain`` and ``split``, or say what exists."""
        if (domain, split) not in self.sets:
            have = sorted(f"{d}/{s}" for d, s in self.sets)
            raise KeyError(f"No {domain}/{split} set in dataset {self.name!r}; it has {have}.")
        return self.sets[(domain, split)]

    @property
    def domains(self) -> tuple[str, str]:
        return (self.source, self.target)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        first = next(iter(self.sets.values()))
        return tuple(first.images.shape[1:])  # type: ignore[return-value]

    def swapped(self) -> DomainDataset:
        """The same data with source and target exchanged (e.g. women -> men)."""
        return DomainDataset(
            self.name, self.target, self.source, self.sets, self.skipped, self.info, self.classes
        )

    def counts(self):
        """A pandas DataFrame of image counts per domain x emotion x split."""
        import pandas as pd

        rows = []
        for (domain, split), fs in self.sets.items():
            for emo, n in zip(self.classes, fs.class_counts()):
                rows.append({"domain": domain, "split": split, "emotion": emo, "n": int(n)})
        df = pd.DataFrame(rows)
        table = df.pivot_table(
            index=["domain", "emotion"], columns="split", values="n", aggfunc="sum", fill_value=0
        )
        table = table.reindex(columns=[s for s in SPLITS if s in table.columns])
        order = [(d, e) for d in self.domains for e in self.classes if (d, e) in table.index]
        return table.reindex(order)

    def summary(self) -> str:
        """A short text summary: counts per domain and split, and any skipped files."""
        lines = [f"{self.name}: source={self.source} (labelled), target={self.target} (unlabelled)"]
        for d in self.domains:
            parts = [f"{s}={len(self.sets[(d, s)])}" for s in SPLITS if (d, s) in self.sets]
            lines.append(f"  {d}: " + ", ".join(parts))
        lines.append(f"  image shape: {self.image_shape}")
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped)} file(s):")
            lines += [f"    {p}: {why}" for p, why in self.skipped]
        return "\n".join(lines)
