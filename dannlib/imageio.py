"""Decoding face images from disk into one in-memory ``uint8`` tensor (notebook 01).

Every real dataset is decoded once, with Pillow, into ``[N, 3, S, S]`` ``uint8``. What
happens to each image:

1. EXIF orientation is applied (phone photos are stored sideways).
2. The colour mode becomes RGB:

   * CMYK, YCbCr, palette (``P``), 1-bit and grayscale ``L`` images are converted by Pillow;
     grayscale ends up as three equal channels.
   * Images with transparency (``RGBA``, ``LA``, ``P`` with a transparent colour) are
     composited **on a white background**, as if printed on paper, so transparent pixels
     become white rather than whatever colour happens to be stored under them.
   * 16-bit grayscale (``I;16``) is scaled to 8 bit by ``round(v / 257)`` (65535 -> 255),
     not clipped. 32-bit ``I`` images holding 16-bit values are treated the same; other
     ``I``/``F`` images are stretched from their minimum to their maximum.
3. The image is centre-cropped to a square and resized to ``image_size`` (bicubic).
4. Optionally (``grayscale=True``) it becomes gray, still with three channels.

Files that cannot be decoded (corrupt, truncated, zero bytes, not an image) raise an
:class:`ImageDecodeError` naming every such path, or, with ``on_error="skip"`` in the
loaders, are listed in ``DomainDataset.skipped``.

With ``num_workers > 0`` decoding runs in a :class:`torch.utils.data.DataLoader` with that
many worker processes; the result is identical to ``num_workers=0``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .manifest import DatasetError, format_list

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageDecodeError",
    "DecodedImages",
    "is_image_file",
    "find_image_files",
    "to_rgb_image",
    "load_face_image",
    "decode_images",
    "decode_error",
]

IMAGE_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
DECODE_FIX = (
    "delete or re-export the file(s) (e.g. open and save again as PNG or JPEG), "
    "or pass on_error='skip' to skip them (they are then listed in dataset.skipped)"
)


class ImageDecodeError(DatasetError):
    """One or more image files could not be decoded; the message lists them and the fix."""


@dataclass
class DecodedImages:
    """Result of :func:`decode_images`.

    Attributes
    ----------
    images : torch.Tensor
        ``uint8`` ``[K, 3, S, S]``, the images that decoded, in input order.
    kept : numpy.ndarray
        Indices (into the input paths) of those ``K`` images.
    failures : list of (str, str)
        ``(path, reason)`` for every file that failed.
    """

    images: torch.Tensor
    kept: np.ndarray
    failures: list[tuple[str, str]]


def is_image_file(path: str | Path) -> bool:
    """True if the extension (any case) is one of :data:`IMAGE_EXTENSIONS`."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def _hidden(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def find_image_files(folder: str | Path) -> tuple[list[Path], int]:
    """Image files under ``folder`` (recursively, sorted) and the number of other files.

    Hidden files and folders (``.name``, e.g. macOS ``._AF01ANS.JPG`` copies or
    ``.ipynb_checkpoints``) and ``__MACOSX`` folders are ignored.
    """
    folder = Path(folder)
    files = [p for p in folder.rglob("*") if p.is_file() and not _hidden(p, folder)]
    images = sorted(p for p in files if is_image_file(p))
    return images, len(files) - len(images)


def _to_uint8(arr: np.ndarray, mode: str) -> np.ndarray:
    """Scale a high-bit-depth array to ``uint8`` without clipping."""
    arr = arr.astype(np.float64)
    lo, hi = float(arr.min()), float(arr.max())
    if mode.startswith("I;16") or (mode == "I" and lo >= 0 and 255 < hi <= 65535):
        out = arr / 257.0
    elif lo >= 0 and hi <= 255 and mode == "I":
        out = arr
    elif mode == "F" and lo >= 0 and hi <= 1:
        out = arr * 255.0
    else:  # unknown range: stretch min..max to 0..255
        out = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def to_rgb_image(img: Image.Image) -> Image.Image:
    """Convert any Pillow image to 8-bit RGB as described in the module docstring."""
    img = ImageOps.exif_transpose(img)
    mode = img.mode
    if mode.startswith("I") or mode == "F":
        arr = np.asarray(img)
        return Image.fromarray(_to_uint8(arr, mode), mode="L").convert("RGB")
    if mode == "P" and "transparency" in img.info:
        img, mode = img.convert("RGBA"), "RGBA"
    if mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img if mode == "RGB" else img.convert("RGB")


def _decode(path: str, image_size: int, grayscale: bool) -> np.ndarray:
    """Decode one file to ``uint8`` ``[3, S, S]``; raise ``ImageDecodeError`` with the reason."""
    try:
        if os.path.getsize(path) == 0:
            raise ImageDecodeError("empty file (0 bytes)")
        with Image.open(path) as img:
            img.load()
            rgb = to_rgb_image(img)
        rgb = ImageOps.fit(rgb, (image_size, image_size), method=Image.Resampling.BICUBIC)
    except ImageDecodeError:
        raise
    except FileNotFoundError as exc:
        raise ImageDecodeError("file does not exist") from exc
    except UnidentifiedImageError as exc:
        raise ImageDecodeError("not a readable image (Pillow cannot identify the format)") from exc
    except Exception as exc:  # truncated data, bad headers, decompression bombs, ...
        raise ImageDecodeError(f"corrupt or truncated image ({type(exc).__name__}: {exc})") from exc
    if grayscale:
        rgb = rgb.convert("L").convert("RGB")
    return np.asarray(rgb, dtype=np.uint8).transpose(2, 0, 1).copy()


def load_face_image(
    path: str | Path, image_size: int = 48, grayscale: bool = False
) -> torch.Tensor:
    """Decode one face image to a ``uint8`` tensor ``[3, image_size, image_size]``.

    Raises
    ------
    ImageDecodeError
        If the file is corrupt, truncated, empty or not an image; the message names the
        path and the fix.
    """
    try:
        return torch.from_numpy(_decode(str(path), image_size, grayscale))
    except ImageDecodeError as exc:
        raise ImageDecodeError(f"Cannot decode image {path}: {exc}. Fix: {DECODE_FIX}.") from exc


class _DecodeSet(torch.utils.data.Dataset):
    """Map-style dataset over paths; never raises, returns ``(index, array | None, reason)``."""

    def __init__(self, paths: Sequence[str], image_size: int, grayscale: bool) -> None:
        self.paths, self.image_size, self.grayscale = list(paths), image_size, grayscale

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[int, torch.Tensor | None, str]:
        try:
            return i, torch.from_numpy(_decode(self.paths[i], self.image_size, self.grayscale)), ""
        except ImageDecodeError as exc:
            return i, None, str(exc)


def _as_list(batch: list) -> list:
    """Collate function that keeps the batch as a list (module level, so workers can pickle it)."""
    return batch


def decode_images(
    paths: Sequence[str | Path],
    image_size: int = 48,
    *,
    grayscale: bool = False,
    num_workers: int = 0,
    batch_size: int = 64,
    progress: bool = False,
) -> DecodedImages:
    """Decode many files once into one ``uint8`` tensor (notebook 01).

    Parameters
    ----------
    paths : sequence of str or Path
        Image files.
    image_size : int
        Output side length; images are centre-cropped to a square first.
    grayscale : bool
        Convert to gray (three equal channels).
    num_workers : int
        ``0`` decodes in this process; ``> 0`` uses a DataLoader with that many workers.
    batch_size : int
        Files per worker task when ``num_workers > 0``.
    progress : bool
        Show a ``tqdm.auto`` progress bar (off by default; ``TQDM_DISABLE=1`` also hides it).

    Returns
    -------
    DecodedImages
        Never raises for a bad file: failures are returned with their reason, so the caller
        decides between raising (naming every path) and skipping.
    """
    if image_size < 1:
        raise ValueError(f"image_size must be a positive integer; got {image_size}.")
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0; got {num_workers}.")
    paths = [str(p) for p in paths]
    dataset = _DecodeSet(paths, image_size, grayscale)
    if num_workers > 0 and len(paths) > 0:
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=batch_size, num_workers=num_workers, collate_fn=_as_list
        )
        items = (item for batch in loader for item in batch)
    else:
        items = (dataset[i] for i in range(len(paths)))
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(items, total=len(paths), desc="decoding images", unit="img")

    out = torch.empty((len(paths), 3, image_size, image_size), dtype=torch.uint8)
    ok = np.zeros(len(paths), dtype=bool)
    failures: list[tuple[int, str]] = []
    for i, arr, reason in items:
        if arr is None:
            failures.append((i, reason))
        else:
            out[i] = arr
            ok[i] = True
    kept = np.flatnonzero(ok)
    return DecodedImages(
        images=out[torch.from_numpy(kept)] if len(kept) < len(paths) else out,
        kept=kept,
        failures=[(paths[i], why) for i, why in sorted(failures)],
    )


def decode_error(failures: Sequence[tuple[str, str]]) -> ImageDecodeError:
    """The :class:`ImageDecodeError` listing ``failures`` (first ten, and the count)."""
    body = format_list([f"{p}: {why}" for p, why in failures])
    return ImageDecodeError(
        f"{len(failures)} image file(s) could not be decoded:\n{body}\nFix: {DECODE_FIX}."
    )
