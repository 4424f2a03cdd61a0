"""Tiny real-looking face datasets written at test time (no downloads, no pytest needed).

The builders write small generated images in the three layouts that
:func:`dannlib.realdata.load_real_dataset` reads, plus awkward files (CMYK, RGBA, 16-bit,
corrupt, truncated, empty). Each image shows its emotion as a bright square at one of
seven positions and its domain as a colour cast, so a model can learn from them.
Notebook smoke tests reuse these functions.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from dannlib.emotions import EMOTIONS

__all__ = [
    "KDEF_CODES",
    "DEFAULT_EMOTION_FOLDERS",
    "face_array",
    "save_face",
    "make_kdef_tree",
    "make_folder_tree",
    "make_csv_manifest",
    "write_special_images",
    "write_broken_images",
]

KDEF_CODES: dict[str, str] = {
    "neutral": "NE", "happy": "HA", "sad": "SA", "surprise": "SU",
    "angry": "AN", "fear": "AF", "disgust": "DI",
}  # fmt: skip
# Folder names as people write them: mixed case and aliases.
DEFAULT_EMOTION_FOLDERS: dict[str, str] = {
    "neutral": "Neutral", "happy": "HAPPY", "sad": "sadness", "surprise": "Surprise",
    "angry": "anger", "fear": "Fear", "disgust": "disgust",
}  # fmt: skip


def face_array(emotion: str, domain_index: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """An ``[size, size, 3]`` uint8 image: emotion = square position, domain = colour cast."""
    img = rng.integers(40, 90, size=(size, size, 3)).astype(np.int32)
    cell = max(size // 4, 1)
    r, c = divmod(EMOTIONS.index(emotion), 4)
    img[r * cell : (r + 1) * cell, c * cell : (c + 1) * cell] = 220
    if domain_index == 1:
        img[..., 0] += 60
    return np.clip(img, 0, 255).astype(np.uint8)


def save_face(path: Path, emotion: str, domain_index: int, size: int, rng) -> Path:
    """Write one generated face to ``path`` (format from the extension)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(face_array(emotion, domain_index, size, rng)).save(
        path, format="PNG" if path.suffix.lower() == ".png" else "JPEG"
    )
    return path


def make_kdef_tree(
    root: str | Path,
    n_per_sex: int = 4,
    size: int = 24,
    angles: Sequence[str] = ("S", "HL"),
    sessions: Sequence[str] = ("A",),
    sexes: Sequence[str] = ("M", "F"),
    ext: str = ".JPG",
    seed: int = 0,
) -> Path:
    """Write a KDEF-like tree ``root/KDEF/AM01/AM01ANS.JPG`` and return ``root/KDEF``.

    ``n_per_sex`` people per sex, every expression, each angle and session given.
    With the defaults: 8 people x 7 expressions x 2 angles = 112 files, 56 frontal.
    """
    rng = np.random.default_rng(seed)
    base = Path(root) / "KDEF"
    for sex in sexes:
        for person in range(1, n_per_sex + 1):
            for session in sessions:
                folder = base / f"{session}{sex}{person:02d}"
                for emotion, code in KDEF_CODES.items():
                    for angle in angles:
                        name = f"{session}{sex}{person:02d}{code}{angle}{ext}"
                        save_face(folder / name, emotion, int(sex == "F"), size, rng)
    return base


def make_folder_tree(
    root: str | Path,
    domains: Sequence[str] = ("Male", "Female"),
    splits: Sequence[str] | None = ("train", "val"),
    n_per_class: dict[str, int] | int = None,  # type: ignore[assignment]
    size: int = 16,
    emotion_folders: dict[str, str] | None = None,
    kdef_names: bool = False,
    split_first: bool = False,
    ext: str = ".jpg",
    seed: int = 0,
) -> Path:
    """Write ``root/<domain>/<split>/<emotion>/*`` (or ``root/<split>/<domain>/...``).

    Parameters
    ----------
    n_per_class : dict or int
        Images per emotion in each split (default ``{"train": 3, "val": 1, "test": 1}``); with
        ``splits=None`` an int: images per emotion in ``root/<domain>/<emotion>/``.
    emotion_folders : dict
        Canonical emotion -> folder name (default: mixed case and aliases).
    kdef_names : bool
        Name files like KDEF (``AM01HAS.jpg``), one person per image index and split, so the
        loader can recover subjects; otherwise names carry no person id.
    Returns ``root``.
    """
    rng = np.random.default_rng(seed)
    root = Path(root)
    emotion_folders = emotion_folders or DEFAULT_EMOTION_FOLDERS
    if n_per_class is None:
        n_per_class = {"train": 3, "val": 1, "test": 1} if splits else 4
    split_list: list[str | None] = list(splits) if splits else [None]
    for d_i, domain in enumerate(domains):
        person = 0
        for split in split_list:
            n = n_per_class if isinstance(n_per_class, int) else n_per_class[str(split).lower()]
            parts = [domain] + ([split] if split else [])
            if split_first and split:
                parts = [split, domain]
            for k in range(n):
                person += 1
                for emotion, folder in emotion_folders.items():
                    if kdef_names:
                        sex = "M" if d_i == 0 else "F"
                        name = f"A{sex}{person:02d}{KDEF_CODES[emotion]}S{ext}"
                    else:
                        name = f"{domain.lower()}_{split or 'all'}_{emotion}_{k:03d}{ext}"
                    save_face(root.joinpath(*parts, folder, name), emotion, d_i, size, rng)
    return root


def make_csv_manifest(
    root: str | Path,
    domains: Sequence[str] = ("men", "women"),
    n_subjects: int = 3,
    size: int = 16,
    with_subject: bool = True,
    with_split: bool = False,
    csv_name: str = "manifest.csv",
    seed: int = 0,
) -> Path:
    """Write ``root/images/*.png`` and a CSV ``path,emotion,domain[,subject][,split]``.

    Each of ``n_subjects`` people per domain has one image per emotion; paths in the CSV are
    relative to ``root``. With ``with_split``, subject ``k`` goes to train/val/test by
    ``k % 3``. Returns the CSV path.
    """
    rng = np.random.default_rng(seed)
    root = Path(root)
    header = ["path", "emotion", "domain"] + ["subject"] * with_subject + ["split"] * with_split
    rows = []
    for d_i, domain in enumerate(domains):
        for k in range(n_subjects):
            subject = f"{domain[0]}{k:02d}"
            for emotion in EMOTIONS:
                rel = f"images/{domain}_{subject}_{emotion}.png"
                save_face(root / rel, emotion, d_i, size, rng)
                row = [rel, emotion, domain]
                row += [subject] * with_subject
                row += [("train", "val", "test")[k % 3]] * with_split
                rows.append(row)
    path = root / csv_name
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def write_special_images(folder: str | Path, size: int = 20) -> dict[str, Path]:
    """Write valid but awkward images; returns ``kind -> path``.

    Kinds: ``cmyk`` (JPEG, all white), ``rgba`` (PNG: left half opaque blue, right half
    transparent red), ``gray16`` (16-bit PNG, left half 32896 = mid gray, right half 65535),
    ``gray`` (8-bit L), ``palette`` (P), ``wide`` (40 x 20 RGB: red | green | green | blue).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    out["cmyk"] = folder / "cmyk.jpg"
    Image.new("CMYK", (size, size), (0, 0, 0, 0)).save(out["cmyk"], quality=95)
    rgba = np.zeros((size, size, 4), dtype=np.uint8)
    rgba[:, : size // 2] = (0, 0, 255, 255)
    rgba[:, size // 2 :] = (255, 0, 0, 0)
    out["rgba"] = folder / "rgba.png"
    Image.fromarray(rgba, "RGBA").save(out["rgba"])
    g16 = np.full((size, size), 32896, dtype=np.uint16)
    g16[:, size // 2 :] = 65535
    out["gray16"] = folder / "gray16.png"
    Image.fromarray(g16).save(out["gray16"])
    out["gray"] = folder / "gray.png"
    Image.fromarray(np.full((size, size), 77, dtype=np.uint8), "L").save(out["gray"])
    out["palette"] = folder / "palette.png"
    Image.new("RGB", (size, size), (10, 200, 30)).convert("P", palette=Image.Palette.ADAPTIVE).save(
        out["palette"]
    )
    wide = np.zeros((size, 2 * size, 3), dtype=np.uint8)
    wide[:, : size // 2] = (255, 0, 0)
    wide[:, size // 2 : 3 * size // 2] = (0, 255, 0)
    wide[:, 3 * size // 2 :] = (0, 0, 255)
    out["wide"] = folder / "wide.png"
    Image.fromarray(wide).save(out["wide"])
    return out


def write_broken_images(folder: str | Path, size: int = 32) -> dict[str, Path]:
    """Write undecodable files; returns ``kind -> path``.

    Kinds: ``corrupt`` (random bytes named ``.jpg``), ``truncated`` (first half of a JPEG),
    ``empty`` (zero bytes, ``.png``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    out = {"corrupt": folder / "corrupt.jpg", "truncated": folder / "truncated.jpg"}
    out["corrupt"].write_bytes(rng.integers(0, 256, 300, dtype=np.uint8).tobytes())
    good = folder / "_full.jpg"
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(good)
    data = good.read_bytes()
    good.unlink()
    out["truncated"].write_bytes(data[: len(data) // 2])
    out["empty"] = folder / "empty.png"
    out["empty"].write_bytes(b"")
    return out
