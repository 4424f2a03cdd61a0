"""Subject-disjoint, emotion-stratified train/val/test splits (notebook 01).

If the same person's photos land in both the training and the test set, the test
measures how well the model recognises *that person*, not the emotion. Every real
dataset in dannlib is therefore split by **subject**: all images of a person go to one
split. Within that constraint the split is stratified by emotion.

:func:`subject_split` works for any dataset (arrays of subject ids and labels). When a
dataset has no person ids, pass one id per image: the split becomes an ordinary
stratified split by image.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .datasets import SPLITS
from .manifest import DatasetError

__all__ = ["subject_split", "assign_splits", "subject_overlap", "check_fractions"]


def check_fractions(fractions: Sequence[float], names: Sequence[str] = SPLITS) -> np.ndarray:
    """Validate split fractions: one per name, each ``>= 0``, summing to 1."""
    f = np.asarray(fractions, dtype=float)
    if f.ndim != 1 or len(f) != len(names):
        raise ValueError(
            f"split fractions must have {len(names)} values (one per split {list(names)}); "
            f"got {tuple(fractions)}."
        )
    if (f < 0).any() or not np.isclose(f.sum(), 1.0, atol=1e-6):
        raise ValueError(
            f"split fractions must be >= 0 and sum to 1; got {tuple(fractions)} "
            f"(sum {f.sum():.4g}). Example: (0.7, 0.15, 0.15)."
        )
    return f


def subject_split(
    subjects: Sequence,
    labels: Sequence[int],
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
    names: Sequence[str] = SPLITS,
) -> dict[str, np.ndarray]:
    """Split images into subject-disjoint, emotion-stratified parts (notebook 01).

    Parameters
    ----------
    subjects : sequence
        Person id per image (anything convertible to ``str``). Pass a unique id per image
        for a plain stratified split by image.
    labels : sequence of int
        Class per image.
    fractions : sequence of float
        Target share of images per split, summing to 1.
    seed : int
        Seed for the random order of subjects; the same inputs and seed give the same split.
    names : sequence of str
        Split names, one per fraction.

    Returns
    -------
    dict
        ``name -> sorted int array`` of image indices. Every image is in exactly one split
        and no subject is in two.

    Notes
    -----
    Greedy, in two passes over the subjects in a seeded random order:

    1. *Coverage.* For each split with a positive fraction, in order (train first), and
       for each emotion, rarest first: if the split has no image of it yet, one unassigned
       subject showing that emotion joins it (preferring the subject that brings the most
       still-missing emotions). So every split has every emotion whenever enough subjects
       show it; on tiny datasets this can push small splits above their fraction.
    2. *Fill.* The remaining subjects, largest first, each join the split whose per-emotion
       image deficit (target minus current, weighted by the subject's own emotions) is
       largest. This keeps both the split sizes and the emotion mix near the fractions.
    """
    f = check_fractions(fractions, names)
    subj = np.asarray([str(s) for s in subjects])
    y = np.asarray(labels, dtype=np.int64)
    if len(subj) != len(y):
        raise ValueError(f"{len(subj)} subjects but {len(y)} labels; they must match.")
    if len(y) == 0:
        return {n: np.zeros(0, dtype=np.int64) for n in names}

    groups, g_of = np.unique(subj, return_inverse=True)
    classes, c_of = np.unique(y, return_inverse=True)
    hist = np.zeros((len(groups), len(classes)), dtype=np.int64)
    np.add.at(hist, (g_of, c_of), 1)
    has = hist > 0

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(groups))
    target = np.outer(f, hist.sum(axis=0))
    current = np.zeros_like(target)
    assigned = np.full(len(groups), -1)
    active = [s for s in range(len(names)) if f[s] > 0]

    def put(g: int, s: int) -> None:
        assigned[g] = s
        current[s] += hist[g]

    rarest_first = np.argsort(has.sum(axis=0), kind="stable")
    for s in active:  # pass 1: coverage
        for c in rarest_first:
            if current[s, c] > 0:
                continue
            cand = [g for g in order if assigned[g] < 0 and has[g, c]]
            if cand:
                missing = current[s] == 0
                put(max(cand, key=lambda g: int((has[g] & missing).sum())), s)

    rest = sorted((g for g in order if assigned[g] < 0), key=lambda g: -hist[g].sum())
    for g in rest:  # pass 2: fill the largest deficits
        scores = (target[active] - current[active]) @ hist[g]
        put(g, active[int(np.argmax(scores))])

    image_split = assigned[g_of]
    return {n: np.flatnonzero(image_split == s) for s, n in enumerate(names)}


def subject_overlap(subjects: Sequence, split_of: Sequence) -> dict[tuple[str, str], list[str]]:
    """Subjects that appear in more than one split: ``(split_a, split_b) -> [subjects]``.

    An empty dict means the split is subject-disjoint.
    """
    subj = np.asarray([str(s) for s in subjects])
    split_arr = np.asarray([str(s) for s in split_of])
    names = sorted(set(split_arr.tolist()))
    per = {n: set(subj[split_arr == n].tolist()) for n in names}
    out = {}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            both = sorted(per[a] & per[b])
            if both:
                out[(a, b)] = both
    return out


def assign_splits(
    subjects: Sequence,
    labels: Sequence[int],
    given: Sequence[str | None] | None = None,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> np.ndarray:
    """Split name per image, keeping any splits the dataset brings (notebook 01).

    Parameters
    ----------
    subjects, labels : sequence
        Person id and class per image.
    given : sequence of str or None, optional
        The dataset's own split per image (``"train"``, ``"val"``, ``"test"``), or ``None``
        everywhere (or ``given=None``) when it has none.
    fractions : sequence of float
        ``(train, val, test)`` shares, used for the splits the dataset does not bring.
    seed : int
        Seed for :func:`subject_split`.

    Returns
    -------
    numpy.ndarray of str
        ``"train"``, ``"val"`` or ``"test"`` per image.

    Notes
    -----
    * No given splits: :func:`subject_split` over all images with ``fractions``.
    * Some given (e.g. ``train`` and ``val`` folders): those are kept as they are and each
      missing split is carved out of ``train``, subject-disjoint from what stays in train,
      with the fractions renormalised (``test`` gets ``f_test / (f_train + f_test)`` of the
      training images when only ``test`` is missing).
    """
    f = check_fractions(fractions, SPLITS)
    n = len(labels)
    if given is None:
        given = [None] * n
    giv = np.asarray([s if s else "" for s in given], dtype=object)
    if len(giv) != n:
        raise ValueError(f"{n} labels but {len(giv)} given splits; they must match.")
    out = np.empty(n, dtype=object)
    subj = np.asarray([str(s) for s in subjects])
    y = np.asarray(labels, dtype=np.int64)
    if n == 0:
        return out.astype(str)
    if (giv == "").all():
        for name, idx in subject_split(subj, y, f, seed, SPLITS).items():
            out[idx] = name
        return out.astype(str)
    if (giv == "").any():
        raise DatasetError(
            f"{int((giv == '').sum())} of {n} images have no split while the others do. "
            "Fix: give every image a split, or none."
        )
    unknown = sorted(set(giv.tolist()) - set(SPLITS))
    if unknown:
        raise ValueError(f"Unknown split name(s) {unknown}; use {list(SPLITS)}.")
    out[:] = giv
    missing = [s for s in SPLITS if s not in set(giv.tolist())]
    if missing:
        if "train" in missing:
            raise DatasetError(
                f"The dataset brings {sorted(set(giv.tolist()))} splits but no train split. "
                "Fix: add a train split (folder or CSV value) to carve the others from."
            )
        parts = ["train", *missing]
        frac = np.array([f[SPLITS.index(p)] for p in parts])
        if frac.sum() <= 0:
            raise ValueError(f"split fractions for {parts} are all zero; cannot carve them.")
        tr = np.flatnonzero(giv == "train")
        carved = subject_split(subj[tr], y[tr], frac / frac.sum(), seed, parts)
        for name, idx in carved.items():
            out[tr[idx]] = name
    return out.astype(str)
