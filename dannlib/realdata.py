"""Loading real face datasets as men -> women domain-adaptation problems (notebook 01).

One entry point, :func:`load_real_dataset`, reads three kinds of data:

``"kdef"``
    The KDEF photo set, labelled by file name (:mod:`dannlib.kdef`).
``"folders"``
    Men/women folders with emotion sub-folders (:mod:`dannlib.folders`).
``"csv"``
    A CSV manifest ``path,emotion,domain[,subject,split]`` (:mod:`dannlib.manifest`).

All three go through the same steps: scan the files into a :class:`~dannlib.manifest.Manifest`,
keep the source and target domains, decode every image once into memory
(:mod:`dannlib.imageio`), split each domain into subject-disjoint, emotion-stratified
train/val/test sets (:mod:`dannlib.splits`), and check that the source domain has training
images of every emotion. The result is a :class:`~dannlib.datasets.DomainDataset`, the same
type the synthetic faces use, so the rest of the course does not care where faces came from.

Nothing is dropped silently: with ``on_error="skip"`` every skipped file is listed with its
reason in ``dataset.skipped`` and one warning gives the count.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

from .datasets import SPLITS, DomainDataset, FaceSet
from .emotions import EMOTIONS
from .folders import scan_folders
from .imageio import decode_error, decode_images
from .kdef import scan_kdef
from .manifest import (
    MANIFEST_COLUMNS,
    DatasetError,
    Manifest,
    canonical_domain,
    check_on_error,
    read_manifest,
)
from .splits import assign_splits, check_fractions, subject_overlap

__all__ = [
    "REAL_DATASET_KINDS",
    "load_real_dataset",
    "scan_real_dataset",
    "build_domain_dataset",
]

REAL_DATASET_KINDS: tuple[str, ...] = ("kdef", "folders", "csv")


def scan_real_dataset(
    kind: str,
    data_dir: str | Path,
    *,
    angles: str | Iterable[str] | None = ("S",),
    on_error: str = "raise",
    subject_pattern: str | None = None,
) -> Manifest:
    """List the images of a real dataset without decoding them (notebook 01).

    ``angles`` applies to ``kind="kdef"`` and ``subject_pattern`` to ``kind="folders"``;
    see :func:`load_real_dataset` for the other arguments.
    """
    kind = str(kind).strip().lower()
    if kind == "kdef":
        return scan_kdef(data_dir, angles=angles, on_error=on_error)
    if kind == "folders":
        return scan_folders(data_dir, on_error=on_error, subject_pattern=subject_pattern)
    if kind == "csv":
        return read_manifest(data_dir, on_error=on_error)
    raise ValueError(f"Unknown dataset kind {kind!r}; use one of {list(REAL_DATASET_KINDS)}.")


def _domain_seed(seed: int, domain: str) -> int:
    """Seed per domain that does not depend on which domain is the source."""
    return (int(seed) * 1_000_003 + zlib.crc32(domain.encode())) % 2**32


def _check_domains(manifest: Manifest, source: str, target: str) -> tuple[str, str]:
    src, tgt = canonical_domain(source), canonical_domain(target)
    if src == tgt:
        raise ValueError(
            f"source={source!r} and target={target!r} are the same domain {src!r}. "
            "Fix: pass two different domains, e.g. source='men', target='women'."
        )
    found = manifest.domains
    for role, dom, given in (("source", src, source), ("target", tgt, target)):
        if dom in found:
            continue
        dirs = manifest.info.get("domain_dirs", {}).get(dom)
        where = f"folder(s) {dirs}" if dirs else manifest.origin
        raise DatasetError(
            f"No images of the {role} domain {given!r} (read as {dom!r}) in {where}. "
            f"Domains with images: {found}. Fix: add images of that domain, or pass "
            f"{role}= one of {found} (aliases such as male/female/m/f work too)."
        )
    return src, tgt


def build_domain_dataset(
    manifest: Manifest,
    *,
    name: str = "custom",
    image_size: int = 48,
    source: str = "men",
    target: str = "women",
    split_fractions: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
    on_error: str = "raise",
    num_workers: int = 0,
    grayscale: bool = False,
    verbose: bool = False,
    progress: bool = False,
) -> DomainDataset:
    """Decode, split and check a :class:`~dannlib.manifest.Manifest` (notebook 01).

    This is the second half of :func:`load_real_dataset`; call it directly to load a
    manifest built some other way (e.g. with :func:`dannlib.manifest.make_manifest`).
    See :func:`load_real_dataset` for the parameters.
    """
    check_on_error(on_error)
    fractions = check_fractions(split_fractions)
    if not isinstance(image_size, int) or image_size < 8:
        raise ValueError(f"image_size must be an integer >= 8; got {image_size!r}.")
    src, tgt = _check_domains(manifest, source, target)
    skipped = list(manifest.skipped)

    table = manifest.table
    other = table[~table["domain"].isin([src, tgt])]
    table = table[table["domain"].isin([src, tgt])].reset_index(drop=True)
    decoded = decode_images(
        table["path"].tolist(),
        image_size,
        grayscale=grayscale,
        num_workers=num_workers,
        progress=progress,
    )
    if decoded.failures:
        if on_error == "raise":
            raise decode_error(decoded.failures)
        skipped += decoded.failures
    table = table.iloc[decoded.kept].reset_index(drop=True)
    images = decoded.images
    for dom in (src, tgt):
        if not (table["domain"] == dom).any():
            raise DatasetError(
                f"Every image of domain {dom!r} in {manifest.origin} failed to decode "
                f"({len(decoded.failures)} failures, listed in the skipped files). Fix: "
                "re-export the images."
            )

    labels = np.array([EMOTIONS.index(e) for e in table["emotion"]], dtype=np.int64)
    subjects = table["subject"].astype(str).to_numpy()
    extra_cols = [c for c in table.columns if c not in MANIFEST_COLUMNS]
    sets: dict[tuple[str, str], FaceSet] = {}
    n_subjects: dict[str, dict[str, int]] = {}
    given_splits: dict[str, list[str]] = {}
    for dom in (src, tgt):
        idx = np.flatnonzero((table["domain"] == dom).to_numpy())
        given = table["split"].iloc[idx].tolist()
        given_splits[dom] = sorted({s for s in given if s})
        split_of = assign_splits(
            subjects[idx], labels[idx], given, fractions, _domain_seed(seed, dom)
        )
        overlap = subject_overlap(subjects[idx], split_of)
        if overlap:
            pairs = ", ".join(f"{a}/{b}: {len(v)}" for (a, b), v in overlap.items())
            warnings.warn(
                f"Domain {dom!r}: the dataset's own splits share subjects ({pairs}), e.g. "
                f"{next(iter(overlap.values()))[:3]}. Scores on those splits then partly "
                "measure recognising known people.",
                stacklevel=2,
            )
        n_subjects[dom] = {}
        for split in SPLITS:
            j = idx[split_of == split]
            sets[(dom, split)] = FaceSet(
                images=images[torch.from_numpy(j)],
                labels=torch.from_numpy(labels[j]),
                subjects=subjects[j],
                domain=dom,
                split=split,
                paths=table["path"].iloc[j].tolist(),
                extras={c: table[c].iloc[j].to_numpy() for c in extra_cols},
            )
            n_subjects[dom][split] = len(set(subjects[j].tolist()))

    train_counts = sets[(src, "train")].class_counts()
    missing = [EMOTIONS[i] for i in np.flatnonzero(train_counts == 0)]
    if missing:
        held_out = sets[(src, "val")].class_counts() + sets[(src, "test")].class_counts()
        elsewhere = [e for e in missing if held_out[EMOTIONS.index(e)] > 0]
        hint = (
            f" ({elsewhere} appear only in the source's val/test splits: move some to train.)"
            if elsewhere
            else ""
        )
        raise DatasetError(
            f"The source domain {src!r} has no training images of {missing} in "
            f"{manifest.origin} (training images per emotion: "
            f"{dict(zip(EMOTIONS, train_counts.tolist()))}). Training needs every emotion in "
            f"the labelled source domain. Fix: add {src!r} images of {missing}, or pick a "
            f"source domain that has all {len(EMOTIONS)} emotions.{hint}"
        )
    target_counts = sum(sets[(tgt, s)].class_counts() for s in SPLITS)
    absent = [EMOTIONS[i] for i in np.flatnonzero(target_counts == 0)]
    if absent:
        warnings.warn(
            f"The target domain {tgt!r} has no images of {absent}; target accuracy covers "
            "only the other emotions.",
            stacklevel=2,
        )
    empty = [f"{d}/{s}" for (d, s), fs in sets.items() if len(fs) == 0]
    if empty:
        warnings.warn(
            f"Empty split(s) {empty}: too few subjects for split_fractions "
            f"{tuple(split_fractions)}. Add images or change split_fractions.",
            stacklevel=2,
        )
    if skipped:
        first = "; ".join(f"{p} ({why})" for p, why in skipped[:3])
        warnings.warn(
            f"Skipped {len(skipped)} file(s) while loading {name!r}; all are listed in "
            f"dataset.skipped. First: {first}",
            stacklevel=2,
        )

    info = {
        **manifest.info,
        "origin": manifest.origin,
        "image_size": image_size,
        "grayscale": grayscale,
        "split_fractions": tuple(float(x) for x in split_fractions),
        "seed": seed,
        "given_splits": given_splits,
        "subjects": n_subjects,
    }
    if len(other):
        info["ignored_domains"] = other["domain"].value_counts().sort_index().to_dict()
    dataset = DomainDataset(name, src, tgt, sets, skipped=skipped, info=info)
    if verbose:
        print(dataset.summary())
    return dataset


def load_real_dataset(
    kind: str,
    data_dir: str | Path,
    image_size: int = 48,
    source: str = "men",
    target: str = "women",
    angles: str | Iterable[str] | None = ("S",),
    split_fractions: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
    on_error: str = "raise",
    num_workers: int = 0,
    grayscale: bool = False,
    verbose: bool = False,
    subject_pattern: str | None = None,
    progress: bool = False,
) -> DomainDataset:
    """Load a real face dataset as a source -> target :class:`DomainDataset` (notebook 01).

    Parameters
    ----------
    kind : {"kdef", "folders", "csv"}
        Dataset layout; see :mod:`dannlib.kdef`, :mod:`dannlib.folders`, :mod:`dannlib.manifest`.
    data_dir : str or Path
        The KDEF folder, the folder tree's root, or the CSV file (or a folder with
        ``manifest.csv``). Relative paths stay relative in ``paths`` and ``skipped``.
    image_size : int
        Side of the square images (centre-cropped, then resized).
    source, target : str
        Labelled and unlabelled domain. Aliases work (male/female/m/f); the direction is
        free, e.g. ``source="women", target="men"``.
    angles : str, iterable of str or None
        KDEF only: camera angles to keep (default frontal ``"S"``; ``None`` for all five).
    split_fractions : (float, float, float)
        Train/val/test shares for splits the dataset does not bring itself.
    seed : int
        Seed for the splits. Each domain's split depends only on the seed and its own name,
        so swapping source and target gives the same split.
    on_error : {"raise", "skip"}
        Bad files (corrupt images, unparseable names, unknown emotion folders, CSV rows
        with problems): raise an error naming them and the fix, or skip and list them in
        ``dataset.skipped`` (with one warning giving the count).
    num_workers : int
        Worker processes for decoding (``0``: decode in this process).
    grayscale : bool
        Convert all images to gray (three equal channels).
    verbose : bool
        Print ``dataset.summary()`` after loading.
    subject_pattern : str, optional
        Folders only: a regular expression finding the person id in a file stem.
    progress : bool
        Show a progress bar while decoding.

    Returns
    -------
    DomainDataset
        ``sets[(domain, split)]`` for both domains and all three splits, ``uint8`` images
        ``[N, 3, image_size, image_size]``; ``counts()`` gives images per domain x emotion
        x split; ``info`` records how subjects and splits were made.

    Raises
    ------
    DatasetNotFoundError
        ``data_dir`` or listed files do not exist (also a ``FileNotFoundError``).
    DatasetError
        Empty folders, unknown emotions or domains, unparseable names, undecodable images
        (:class:`~dannlib.imageio.ImageDecodeError`), a source domain without training images
        of some emotion, bad CSV manifests (also a ``ValueError``).
    """
    kind = str(kind).strip().lower()
    if kind not in REAL_DATASET_KINDS:
        raise ValueError(f"Unknown dataset kind {kind!r}; use one of {list(REAL_DATASET_KINDS)}.")
    check_on_error(on_error)
    check_fractions(split_fractions)
    manifest = scan_real_dataset(
        kind, data_dir, angles=angles, on_error=on_error, subject_pattern=subject_pattern
    )
    return build_domain_dataset(
        manifest,
        name=kind,
        image_size=image_size,
        source=source,
        target=target,
        split_fractions=split_fractions,
        seed=seed,
        on_error=on_error,
        num_workers=num_workers,
        grayscale=grayscale,
        verbose=verbose,
        progress=progress,
    )
