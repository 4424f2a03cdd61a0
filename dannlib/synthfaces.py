"""SynthFaces: a seeded procedural face generator with a men -> women domain shift.

Introduced in notebook 01 ("data and domain shift"). SynthFaces draws synthetic people
(an *identity*: face shape, jaw, eyes, brows, nose, mouth, skin tone, hair, facial hair,
glasses), shows each person in every emotion several times, and renders the expression
from FACS action units (:mod:`dannlib.facs`). Everything is vectorised numpy on
coordinate grids with anti-aliased signed-distance shapes, so a few thousand 48 px
images take about a second.

Two kinds of domain shift separate the source (men) from the target (women):

* **Demographic** (always present): men and women differ in the *distributions* of
  identity attributes -- facial hair mostly on men, long hair mostly on women, wider
  jaws and thicker brows on men, more arched brows and lip colour on women.
* **Imaging** (scaled by ``shift`` in ``[0, 1]``, target domain only): a cluttered
  background outside the head, a hue rotation, a colour cast, a side light, reduced
  contrast and extra noise. The face itself is never covered by texture, so the
  expression stays legible. Each component is a knob of :class:`ShiftConfig`.

The main entry point is :func:`make_synthfaces`, which returns a
:class:`~dannlib.datasets.DomainDataset` with subject-disjoint train/val/test splits.
:func:`render_face` renders a single face for the interactive explorer.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .datasets import SPLITS, DomainDataset, FaceSet
from .emotions import EMOTIONS
from .facs import (
    ACTIVE_RANGE,
    AU_COLUMNS,
    LEAK_MAX,
    au_index,
    prototype_vector,
    sample_aus,
)

__all__ = [
    "DOMAINS",
    "DEFAULT_SHIFT",
    "DEFAULT_CACHE_DIR",
    "GENERATOR_VERSION",
    "MIN_IMAGE_SIZE",
    "ShiftConfig",
    "Identities",
    "sample_identities",
    "render_faces",
    "render_face",
    "make_synthfaces",
]

#: Bump whenever the generator's output changes; it is part of the cache key.
GENERATOR_VERSION: str = "5"

#: The two domains SynthFaces can generate.
DOMAINS: tuple[str, ...] = ("men", "women")

#: Default strength of the imaging shift applied to the target domain (0 = none, 1 = full).
#: Calibrated with the default model and training budget (see ``make bench`` and
#: benchmarks/results.md for the 3-seed figures): at 0.6 the women oracle stays above
#: 0.9 while source-only loses more than 20 points on women.
DEFAULT_SHIFT: float = 0.6

#: Smallest supported image side in pixels; below this the eyes and mouth are 1-2 pixels.
MIN_IMAGE_SIZE: int = 24

_CHUNK = 64  # images rendered at once; fixed so results do not depend on the batch size
_TEXTURES = 256  # clutter patterns in the texture bank of the target background

# ---------------------------------------------------------------------------------------
# Shift configuration
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftConfig:
    """Components of the imaging shift, each given at ``shift = 1``.

    The target domain receives ``shift * value`` of every component; the source domain
    receives none. Introduced in notebook 01 ("data and domain shift").

    Attributes
    ----------
    background : float
        Opacity of the cluttered texture (gratings and blobs) behind the head.
    hue_degrees : float
        Hue rotation about the grey axis, in degrees (120 swaps the colour channels).
    hue_jitter : float
        Per-image random spread of the hue rotation, in degrees.
    contrast : float
        Fraction of contrast removed (0 keeps it, 1 makes the image flat grey).
    light : float
        Strength of a directional (side) light gradient across the image.
    light_angle : float
        Direction the light comes from, in degrees in image coordinates
        (0 = from the right, 90 = from below, 180 = from the left, 270 = from above).
    color_cast : float
        Strength of a warm colour cast (red up, blue down).
    noise : float
        Extra pixel noise (uniform; its standard deviation on the 0-1 scale).
    """

    background: float = 1.0
    hue_degrees: float = 120.0
    hue_jitter: float = 15.0
    contrast: float = 0.4
    light: float = 0.4
    light_angle: float = 180.0
    color_cast: float = 0.12
    noise: float = 0.015

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not np.isfinite(value):
                raise ValueError(f"ShiftConfig.{f.name} must be a finite number; got {value!r}.")
        for name in ("background", "contrast"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"ShiftConfig.{name}={value} must lie in [0, 1].")
        for name in ("hue_jitter", "light", "color_cast", "noise"):
            if getattr(self, name) < 0:
                raise ValueError(f"ShiftConfig.{name}={getattr(self, name)} must be >= 0.")


# ---------------------------------------------------------------------------------------
# Identities
# ---------------------------------------------------------------------------------------

_SKIN_STOPS = np.array(
    [[0.97, 0.82, 0.71], [0.88, 0.68, 0.55], [0.74, 0.53, 0.39], [0.55, 0.37, 0.25],
     [0.36, 0.23, 0.15]], dtype=np.float32,
)  # fmt: skip
_HAIR_COLOURS = np.array(
    [[0.08, 0.06, 0.05], [0.22, 0.14, 0.09], [0.42, 0.27, 0.15], [0.80, 0.64, 0.38],
     [0.55, 0.22, 0.10], [0.62, 0.61, 0.60]], dtype=np.float32,
)  # fmt: skip
_HAIR_PROBS = np.array([0.35, 0.28, 0.17, 0.10, 0.05, 0.05])
_IRIS_COLOURS = np.array(
    [[0.25, 0.15, 0.08], [0.40, 0.26, 0.12], [0.25, 0.42, 0.60], [0.30, 0.45, 0.30]],
    dtype=np.float32,
)
_IRIS_PROBS = np.array([0.5, 0.25, 0.15, 0.10])

# Hair styles: 0 bald/buzz, 1 short, 2 medium (to the chin), 3 long (to the shoulders).
_STYLE_PROBS = {"men": [0.12, 0.68, 0.15, 0.05], "women": [0.0, 0.10, 0.30, 0.60]}
# Facial hair: 0 none, 1 stubble, 2 full beard.
_BEARD_PROBS = {"men": [0.55, 0.25, 0.20], "women": [0.99, 0.01, 0.0]}
_MOUSTACHE_P = {"men": 0.30, "women": 0.01}
_FRINGE_P = {"men": 0.10, "women": 0.30}
_LIPSTICK_P = {"men": 0.0, "women": 0.45}
_GLASSES_P = 0.25

_IDENTITY_FIELDS = (
    "face_w", "face_h", "chin", "jaw", "eye_dx", "eye_y", "eye_w", "eye_h", "brow_gap",
    "brow_th", "brow_arch", "brow_len", "nose_y", "nose_w", "mouth_y", "mouth_w", "lip_th",
    "mouth_rest", "hair_style", "hairline", "fringe", "beard", "moustache", "glasses",
    "glasses_r", "skin", "lip_col", "hair_col", "brow_col", "iris_col", "cloth_col",
)  # fmt: skip


@dataclass
class Identities:
    """Fixed appearance of ``n`` synthetic people (one row per person).

    All fields are numpy arrays with ``n`` rows; colours are ``[n, 3]`` in ``[0, 1]``;
    lengths are in face units (the face is about 1.2 wide and 1.45 tall, the image
    spans about ``[-0.92, 0.92]``). ``hair_style`` is 0 bald, 1 short, 2 medium,
    3 long; ``beard`` is the beard's opacity (0 none, 0.4 stubble, 0.92 full).
    Introduced in notebook 01. Use :meth:`take` to repeat people, e.g. one row per image.
    """

    sex: np.ndarray
    face_w: np.ndarray
    face_h: np.ndarray
    chin: np.ndarray
    jaw: np.ndarray
    eye_dx: np.ndarray
    eye_y: np.ndarray
    eye_w: np.ndarray
    eye_h: np.ndarray
    brow_gap: np.ndarray
    brow_th: np.ndarray
    brow_arch: np.ndarray
    brow_len: np.ndarray
    nose_y: np.ndarray
    nose_w: np.ndarray
    mouth_y: np.ndarray
    mouth_w: np.ndarray
    lip_th: np.ndarray
    mouth_rest: np.ndarray
    hair_style: np.ndarray
    hairline: np.ndarray
    fringe: np.ndarray
    beard: np.ndarray
    moustache: np.ndarray
    glasses: np.ndarray
    glasses_r: np.ndarray
    skin: np.ndarray
    lip_col: np.ndarray
    hair_col: np.ndarray
    brow_col: np.ndarray
    iris_col: np.ndarray
    cloth_col: np.ndarray

    def __len__(self) -> int:
        return len(self.sex)

    def take(self, index: Sequence[int] | np.ndarray) -> Identities:
        """The identities at ``index`` (repeats allowed), e.g. one row per image."""
        index = np.asarray(index, dtype=np.int64)
        return Identities(
            **{f.name: getattr(self, f.name)[index] for f in dataclasses.fields(self)}
        )

    def describe(self, i: int) -> dict:
        """Readable summary of person ``i`` (hair style, facial hair, glasses, ...)."""
        styles = ("bald", "short", "medium", "long")
        beards = ("none", "stubble", "full")
        return {
            "sex": str(self.sex[i]),
            "hair": styles[int(self.hair_style[i])],
            "fringe": bool(self.fringe[i]),
            "beard": beards[int(round(self.beard[i] * 2))] if self.beard[i] else "none",
            "moustache": bool(self.moustache[i]),
            "glasses": bool(self.glasses[i]),
            "jaw": round(float(self.jaw[i]), 3),
            "brow_thickness": round(float(self.brow_th[i]), 3),
        }


def _check_domain(name: str, what: str = "domain") -> str:
    if name not in DOMAINS:
        raise ValueError(f"Unknown {what} {name!r}. SynthFaces has the domains {list(DOMAINS)}.")
    return name


def sample_identities(n: int, sex: str, rng: np.random.Generator) -> Identities:
    """Draw ``n`` synthetic people of one sex.

    Men and women share most attribute distributions (skin tone, eye and hair colour,
    glasses) but differ in a few, as in real photo sets: men have wider jaws, thicker
    and flatter brows, shorter hair and often facial hair; women more often have long
    hair, a fringe and coloured lips. Introduced in notebook 01.

    Parameters
    ----------
    n : int
        Number of people.
    sex : {"men", "women"}
        Which distribution to draw from.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Identities
    """
    _check_domain(sex, "sex")
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}.")
    men = sex == "men"
    f32 = np.float32

    def normal(mean_men: float, mean_women: float, sd: float, lo: float, hi: float) -> np.ndarray:
        mean = mean_men if men else mean_women
        return np.clip(rng.normal(mean, sd, n), lo, hi).astype(f32)

    face_w = normal(0.60, 0.56, 0.025, 0.50, 0.66)
    tone = rng.uniform(0, len(_SKIN_STOPS) - 1, n)
    lo_i = np.minimum(tone.astype(int), len(_SKIN_STOPS) - 2)
    frac = (tone - lo_i)[:, None]
    skin = (_SKIN_STOPS[lo_i] * (1 - frac) + _SKIN_STOPS[lo_i + 1] * frac).astype(f32)
    skin *= rng.normal(1.0, 0.03, (n, 1)).astype(f32)

    hair_col = _HAIR_COLOURS[rng.choice(len(_HAIR_COLOURS), n, p=_HAIR_PROBS)]
    hair_col = np.clip(hair_col * rng.normal(1.0, 0.08, (n, 1)), 0, 1).astype(f32)
    brow_col = np.clip(hair_col * 0.75, 0, 1).astype(f32)
    iris_col = _IRIS_COLOURS[rng.choice(len(_IRIS_COLOURS), n, p=_IRIS_PROBS)].astype(f32)

    style = rng.choice(4, n, p=_STYLE_PROBS[sex]).astype(np.int64)
    fringe = (rng.random(n) < _FRINGE_P[sex]) & (style > 0)
    beard_kind = rng.choice(3, n, p=_BEARD_PROBS[sex])
    beard = np.array([0.0, 0.4, 0.92], dtype=f32)[beard_kind]
    moustache = ((rng.random(n) < _MOUSTACHE_P[sex]) | (beard_kind == 2)).astype(f32)
    glasses = (rng.random(n) < _GLASSES_P).astype(f32)

    lip_natural = skin * np.array([0.85, 0.62, 0.60], dtype=f32)
    lipstick = np.array([0.70, 0.12, 0.18], dtype=f32)
    painted = (rng.random(n) < _LIPSTICK_P[sex])[:, None]
    lip_col = np.where(painted, 0.35 * lip_natural + 0.65 * lipstick, lip_natural).astype(f32)
    cloth_col = rng.uniform(0.1, 0.9, (n, 3)).astype(f32)

    return Identities(
        sex=np.full(n, sex),
        face_w=face_w,
        face_h=normal(0.74, 0.72, 0.03, 0.64, 0.80),
        chin=normal(0.74, 0.70, 0.03, 0.62, 0.80),
        jaw=normal(0.50, 0.18, 0.08, 0.0, 0.8),
        eye_dx=normal(0.25, 0.245, 0.015, 0.21, 0.29),
        eye_y=normal(-0.08, -0.08, 0.02, -0.13, -0.03),
        eye_w=normal(0.135, 0.14, 0.01, 0.11, 0.16),
        eye_h=normal(0.058, 0.062, 0.006, 0.045, 0.075),
        brow_gap=normal(0.155, 0.175, 0.015, 0.12, 0.21),
        brow_th=normal(0.075, 0.058, 0.010, 0.04, 0.10),
        brow_arch=normal(0.015, 0.04, 0.012, -0.01, 0.07),
        brow_len=normal(0.20, 0.19, 0.015, 0.16, 0.24),
        nose_y=normal(0.23, 0.21, 0.02, 0.16, 0.27),
        nose_w=normal(0.085, 0.075, 0.01, 0.06, 0.11),
        mouth_y=normal(0.42, 0.41, 0.02, 0.36, 0.47),
        mouth_w=normal(0.20, 0.19, 0.015, 0.15, 0.24),
        lip_th=normal(0.032, 0.040, 0.006, 0.02, 0.055),
        mouth_rest=rng.normal(0.0, 0.01, n).astype(f32),
        hair_style=style,
        hairline=np.where(
            fringe, rng.uniform(-0.52, -0.45, n), rng.uniform(-0.68, -0.54, n)
        ).astype(f32),
        fringe=fringe.astype(f32),
        beard=beard,
        moustache=moustache,
        glasses=glasses,
        glasses_r=rng.uniform(0.16, 0.20, n).astype(f32),
        skin=skin,
        lip_col=lip_col,
        hair_col=hair_col,
        brow_col=brow_col,
        iris_col=iris_col,
        cloth_col=cloth_col,
    )


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------


_VIEW = 0.92  # half-extent of the image in face units (the face fills most of the frame)


def _col(c: np.ndarray) -> np.ndarray:
    """[B, 3] colours -> planar [3, B, 1, 1] for broadcasting over a window."""
    return np.ascontiguousarray(np.asarray(c, dtype=np.float32).T)[:, :, None, None]


def _rgb(r: float, g: float, b: float) -> np.ndarray:
    """A constant colour as planar [3, 1, 1, 1]."""
    return np.array([r, g, b], dtype=np.float32)[:, None, None, None]


def _p(x: np.ndarray) -> np.ndarray:
    """[B] parameters -> [B, 1, 1] for broadcasting over a window."""
    return np.asarray(x, dtype=np.float32)[:, None, None]


class _Canvas:
    """A batch of planar images ``[3, B, H, W]`` plus face coordinates (u, v) per pixel.

    (u, v) are the pixel's coordinates in the face frame of its own image (after the
    image's rotation, scale and translation), so shapes are drawn once for the batch.
    """

    def __init__(self, size: int, pose: dict[str, np.ndarray]) -> None:
        b = len(pose["angle"])
        self.size = size
        self.px = np.float32(2.0 * _VIEW / size)  # pixel size in face units (scale 1)
        grid = ((np.arange(size, dtype=np.float32) + 0.5) * self.px - _VIEW).astype(np.float32)
        self.grid = grid
        x = grid[None, None, :]
        y = grid[None, :, None]
        c, s = np.cos(pose["angle"]), np.sin(pose["angle"])
        inv = 1.0 / pose["scale"]
        dx = x - _p(pose["tx"])
        dy = y - _p(pose["ty"])
        self.u = dx * _p(c * inv) + dy * _p(s * inv)
        self.v = dy * _p(c * inv) - dx * _p(s * inv)
        self.pose = pose
        self.img = np.empty((3, b, size, size), dtype=np.float32)

    def window(self, x0: float, x1: float, y0: float, y1: float) -> tuple[slice, slice]:
        """Pixel window covering the face-frame box [x0, x1] x [y0, y1] in every image."""
        p = self.pose
        cu = np.array([x0, x1, x0, x1], dtype=np.float32)[None, :]
        cv = np.array([y0, y0, y1, y1], dtype=np.float32)[None, :]
        c, s, k = np.cos(p["angle"])[:, None], np.sin(p["angle"])[:, None], p["scale"][:, None]
        xs = p["tx"][:, None] + k * (c * cu - s * cv)
        ys = p["ty"][:, None] + k * (s * cu + c * cv)
        to_pix = 1.0 / self.px
        n = self.size
        j0 = int(np.floor((xs.min() + _VIEW) * to_pix)) - 1
        j1 = int(np.ceil((xs.max() + _VIEW) * to_pix)) + 1
        i0 = int(np.floor((ys.min() + _VIEW) * to_pix)) - 1
        i1 = int(np.ceil((ys.max() + _VIEW) * to_pix)) + 1
        return slice(min(max(i0, 0), n), min(max(i1, 0), n)), slice(
            min(max(j0, 0), n), min(max(j1, 0), n)
        )

    def uv(self, win: tuple[slice, slice]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(u, |u|, v) inside a window; |u| draws left/right-symmetric features once."""
        u = self.u[:, win[0], win[1]]
        return u, np.abs(u), self.v[:, win[0], win[1]]

    def cover(self, d: np.ndarray, soft: float = 1.0) -> np.ndarray:
        """Anti-aliased coverage in [0, 1] from a signed distance (negative = inside)."""
        a = d * np.float32(-1.0 / (self.px * soft))
        a += np.float32(0.5)
        return np.clip(a, 0.0, 1.0, out=a)

    def paint(self, win: tuple[slice, slice], alpha: np.ndarray, colour: np.ndarray) -> None:
        """Blend planar ``colour`` ([3, B or 1, 1 or h, 1 or w]) into the window."""
        region = self.img[:, :, win[0], win[1]]
        t = colour - region
        t *= alpha
        region += t

    def shade(self, win: tuple[slice, slice], alpha: np.ndarray, factor: float) -> None:
        """Multiply the window by ``factor`` where ``alpha`` is 1 (skin creases, highlights).

        Multiplying keeps what lies underneath (a crease over a beard stays beard-coloured)
        and costs a third of :meth:`paint`.
        """
        m = alpha * np.float32(factor - 1.0)
        m += np.float32(1.0)
        self.img[:, :, win[0], win[1]] *= m


def _ellipse(u, v, cx, cy, rx, ry):
    """Approximate signed distance to an axis-aligned ellipse (params broadcastable)."""
    du = (u - cx) / rx
    dv = (v - cy) / ry
    return (np.sqrt(du * du + dv * dv) - 1.0) * np.minimum(rx, ry)


def _segment(u, v, ax, ay, bx, by, half_width):
    """Signed distance to a thick line segment from (ax, ay) to (bx, by)."""
    ex, ey = bx - ax, by - ay
    pu, pv = u - ax, v - ay
    t = np.clip((pu * ex + pv * ey) / (ex * ex + ey * ey + 1e-9), 0.0, 1.0)
    du, dv = pu - t * ex, pv - t * ey
    return np.sqrt(du * du + dv * dv) - half_width


def _hband(u, v, x0, x1, yc, half_height):
    """Signed distance to a horizontal band |v - yc| < half_height, x0 < u < x1."""
    return np.maximum(np.abs(v - yc) - half_height, np.maximum(x0 - u, u - x1))


@functools.lru_cache(maxsize=4)
def _texture_bank(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed bank of clutter patterns: grating mixes and blob masks, ``[K, size, size]``.

    Drawn once per image size from a fixed seed; each image picks a pattern, a flip and
    its own colours, which is much cheaper than drawing the clutter per image.
    """
    rng = np.random.default_rng(20160101 + size)
    k = _TEXTURES
    g = ((np.arange(size, dtype=np.float32) + 0.5) * (2.0 / size) - 1.0).astype(np.float32)
    x, y = g[None, None, :], g[None, :, None]
    f1 = _p(rng.uniform(-14, 14, k)), _p(rng.uniform(-14, 14, k)), _p(rng.uniform(0, 6.3, k))
    f2 = _p(rng.uniform(-25, 25, k)), _p(rng.uniform(-25, 25, k)), _p(rng.uniform(0, 6.3, k))
    mix = 0.5 + 0.25 * (
        np.sin(f1[0] * x + f1[1] * y + f1[2]) + np.sin(f2[0] * x + f2[1] * y + f2[2])
    )
    blobs = np.zeros((k, size, size), dtype=np.float32)
    px = 2.0 / size
    for _ in range(5):
        d = _ellipse(x, y, _p(rng.uniform(-1, 1, k)), _p(rng.uniform(-1, 1, k)),
                     _p(rng.uniform(0.08, 0.3, k)), _p(rng.uniform(0.08, 0.3, k)))  # fmt: skip
        blobs = np.maximum(blobs, np.clip(0.5 - d / px, 0.0, 1.0))
    return mix.astype(np.float32), blobs.astype(np.float32)


def _draw_background(cv: _Canvas, r: dict, shift_bg: np.ndarray) -> None:
    """Plain studio background; the target's cluttered texture is blended by shift_bg."""
    y = cv.grid[None, :, None]
    cv.img[:] = _col(r["bg_col"]) * (1.0 + _p(r["bg_grad"]) * y)
    if not np.any(shift_bg > 0):
        return
    # Texture in image space (it belongs to the scene, not to the face).
    mix_bank, blob_bank = _texture_bank(cv.size)
    mix, blobs = mix_bank[r["tex_id"]], blob_bank[r["tex_id"]]
    flip = r["tex_flip"]
    mix[flip] = mix[flip, :, ::-1]
    blobs[flip] = blobs[flip, :, ::-1]
    c1, c2, c3 = _col(r["tex_c1"]), _col(r["tex_c2"]), _col(r["tex_c3"])
    tex = c2 + (c1 - c2) * mix
    tex += blobs * (c3 - tex)
    tex -= cv.img
    tex *= _p(shift_bg)
    cv.img += tex


def _render_chunk(
    ids: Identities, aus: np.ndarray, r: dict, size: int, shift: np.ndarray, cfg: ShiftConfig,
    noise: np.ndarray, out: np.ndarray,
) -> None:  # fmt: skip
    """Render one chunk of images (all random parameters drawn) into ``out`` [B, H, W, 3]."""
    pose = {k: r[k] for k in ("angle", "scale", "tx", "ty")}
    cv = _Canvas(size, pose)
    f32 = np.float32
    A = {name: _p(aus[:, au_index(name)]) for name in AU_COLUMNS}
    P = {name: _p(getattr(ids, name)) for name in _IDENTITY_FIELDS if getattr(ids, name).ndim == 1}
    skin = _col(ids.skin)
    hair = _col(ids.hair_col)
    cover, paint = cv.cover, cv.paint

    _draw_background(cv, r, shift * f32(cfg.background))

    # --- clothes and neck ---------------------------------------------------------------
    win = cv.window(-1.0, 1.0, 0.55, 1.0)
    u, ua, v = cv.uv(win)
    paint(win, cover(_ellipse(ua, v, 0.0, 1.32, 0.98, 0.5)), _col(ids.cloth_col))
    d = np.maximum(ua - 0.32 * P["face_w"], 0.35 - v)
    paint(win, cover(d), skin * 0.82)

    # --- hair behind the head (medium and long styles) --------------------------------------
    style = P["hair_style"]
    long_ = (style == 3).astype(f32)
    if np.any(ids.hair_style >= 2):
        win = cv.window(-0.95, 0.95, -0.98, 1.0)
        u, ua, v = cv.uv(win)
        cy = -0.05 + 0.2 * long_
        ry = 0.86 + 0.22 * long_
        rx = P["face_w"] + 0.12 + 0.04 * long_
        bottom = 0.3 + 0.62 * long_
        d = np.maximum(_ellipse(ua, v, 0.0, cy, rx, ry), v - bottom)
        paint(win, cover(d) * (style >= 2), hair * 0.85)

    # --- ears (hidden by medium and long hair) ----------------------------------------------
    win = cv.window(-0.8, 0.8, -0.2, 0.15)
    u, ua, v = cv.uv(win)
    d = _ellipse(ua, v, P["face_w"] * 0.97, -0.03, 0.075, 0.12)
    paint(win, cover(d) * (style <= 1), skin * 0.9)

    # --- face ---------------------------------------------------------------------------
    chin = P["chin"] + 0.10 * A["AU26"] + 0.03 * A["AU16"]
    win = cv.window(-0.8, 0.8, -0.85, 0.95)
    u, ua, v = cv.uv(win)
    t = np.clip(v / chin, 0.0, 1.0)
    du = u / (P["face_w"] * (1.0 + P["jaw"] * t * t))
    dv = v / np.where(v < 0, P["face_h"], chin)
    r_face = np.sqrt(du * du + dv * dv)
    d_face = (r_face - 1.0) * 0.6
    shade = 1.0 - 0.7 * np.clip(r_face - 0.55, 0.0, 1.0) ** 2
    paint(win, cover(d_face), skin * shade)

    # --- beard (follows the chin, so a jaw drop moves it) -----------------------------------
    if np.any(ids.beard > 0):
        top = P["mouth_y"] - 0.07 - 0.38 * np.clip(ua / P["face_w"] - 0.3, 0.0, 1.0)
        d = np.maximum(d_face, top - v)
        paint(win, cover(d, soft=2.0) * P["beard"], hair * 0.8)

    # --- cheek raise (AU6): cheek highlights under the eyes ---------------------------------
    win = cv.window(-0.5, 0.5, -0.05, 0.25)
    u, ua, v = cv.uv(win)
    d = _ellipse(ua, v, P["eye_dx"], P["eye_y"] + 0.17 - 0.03 * A["AU6"], 0.13, 0.07)
    cv.shade(win, cover(d, soft=3.0) * (0.55 * A["AU6"]), 1.15)

    # --- forehead wrinkles (AU1, AU2) and vertical frown lines (AU4) ------------------------
    brow_y = P["eye_y"] - P["brow_gap"]
    win = cv.window(-0.35, 0.35, -0.62, -0.05)
    u, ua, v = cv.uv(win)
    raise_ = np.clip(0.6 * A["AU1"] + 0.6 * A["AU2"] - 0.25, 0.0, 1.0) * 0.8
    d = _hband(ua, v, -1.0, 0.26, brow_y - 0.16 + 0.12 * u * u, 0.008)
    for k in (1, 2):
        d = np.minimum(d, _hband(ua, v, -1.0, 0.26 - 0.03 * k, brow_y - 0.16 - 0.07 * k
                                 + 0.12 * u * u, 0.008))  # fmt: skip
    alpha = cover(d) * raise_
    frown = np.clip(1.2 * A["AU4"] - 0.2, 0.0, 1.0) * 0.8
    d = _segment(ua, v, 0.045, brow_y - 0.03, 0.035, brow_y + 0.08, 0.009)
    cv.shade(win, np.maximum(alpha, cover(d) * frown), 0.72)

    # --- hair on top of the head (a fringe hides the forehead wrinkles) ---------------------
    win = cv.window(-0.85, 0.85, -0.98, 0.2)
    u, ua, v = cv.uv(win)
    hairline = P["hairline"] + 0.5 * (u / P["face_w"]) ** 2
    head = _ellipse(u, v, 0.0, -0.04, P["face_w"] + 0.07, P["face_h"] + 0.12)
    d = np.maximum(head, v - hairline)
    paint(win, cover(d, soft=1.3) * np.where(style == 0, f32(0.18), f32(1.0)), hair)

    # --- nose (AU9 wrinkles it, lifts and flares the nostrils) ------------------------------
    win = cv.window(-0.25, 0.25, -0.1, 0.35)
    u, ua, v = cv.uv(win)
    ny = P["nose_y"] - 0.03 * A["AU9"]
    nw = P["nose_w"] * (1.0 + 0.3 * A["AU9"])
    d = _segment(u, v, 0.05, P["eye_y"] + 0.06, 0.065, ny - 0.05, 0.014)
    d = np.minimum(d, _ellipse(u, v, 0.0, ny + 0.005, nw * 0.95, 0.035) + 0.004)
    cv.shade(win, cover(d, soft=2.0) * 0.4, 0.78)
    d = _ellipse(ua, v, 0.45 * nw, ny + 0.02, 0.03 + 0.01 * A["AU9"], 0.016)
    cv.shade(win, cover(d), 0.35)
    wrinkle = np.clip(1.3 * A["AU9"] - 0.25, 0.0, 1.0) * 0.85
    d = _hband(ua, v, -1.0, 0.065, P["eye_y"] + 0.03, 0.008)
    for k in (1, 2):
        d = np.minimum(d, _hband(ua, v, -1.0, 0.065, P["eye_y"] + 0.03 + 0.045 * k, 0.008))
    cv.shade(win, cover(d) * wrinkle, 0.6)

    # --- mouth geometry (shared by the folds, the moustache and the lips) -------------------
    w = P["mouth_w"] * (
        1.0 + 0.18 * A["AU12"] + 0.35 * A["AU20"] - 0.15 * A["AU23"] - 0.12 * A["AU26"]
    )
    corner = P["mouth_rest"] - 0.085 * A["AU12"] + 0.07 * A["AU15"] + 0.01 * A["AU20"]
    my = P["mouth_y"] + 0.02 * A["AU26"] - 0.015 * A["AU9"] - 0.01 * A["AU12"]
    tight = 1.0 - 0.8 * A["AU23"]
    open_lo = (0.17 * A["AU26"] + 0.07 * A["AU16"] + 0.035 * A["AU12"] + 0.02 * A["AU20"]) * tight
    open_up = (0.035 * A["AU26"] + 0.03 * A["AU12"] + 0.045 * A["AU9"] + 0.01 * A["AU20"]) * tight
    lip = P["lip_th"] * (1.0 - 0.65 * A["AU23"])

    # --- nasolabial folds (AU12, AU9, AU20) -------------------------------------------------
    win = cv.window(-0.5, 0.5, 0.1, 0.6)
    u, ua, v = cv.uv(win)
    fold = np.clip(0.15 + 0.6 * A["AU12"] + 0.5 * A["AU9"] + 0.2 * A["AU20"], 0.0, 0.8)
    d = _segment(ua, v, P["nose_w"] + 0.04, P["nose_y"] - 0.02, w + 0.05, my + corner + 0.03, 0.01)
    cv.shade(win, cover(d, soft=1.3) * fold, 0.7)

    # --- mouth -------------------------------------------------------------------------------
    win = cv.window(-0.45, 0.45, 0.15, 0.85)
    u, ua, v = cv.uv(win)
    xn = ua / w
    sg = np.sqrt(np.clip(1.0 - xn * xn, 0.0, 1.0))
    side = ua - w
    mid = my + corner * np.minimum(xn * xn, 1.0)
    y_up_in = mid - open_up * sg
    y_lo_in = mid + open_lo * sg
    y_up_out = y_up_in - lip * (0.35 + 0.65 * sg)
    y_lo_out = y_lo_in + lip * 1.25 * (0.3 + 0.7 * sg) * (1.0 + 0.5 * A["AU16"])
    if np.any(ids.moustache > 0):
        d = np.maximum(np.maximum(y_up_out - 0.075 - v, v - y_up_out + 0.005), side - 0.04)
        paint(win, cover(d, soft=1.3) * P["moustache"], hair * 0.8)
    d_lips = np.maximum(np.maximum(y_up_out - v, v - y_lo_out), side)
    paint(win, cover(d_lips), _col(ids.lip_col))
    d_in = np.maximum(np.maximum(y_up_in - v, v - y_lo_in), side + 0.01)
    paint(win, cover(d_in), _rgb(0.18, 0.05, 0.06))
    paint(win, cover(np.maximum(d_in, v - y_up_in - 0.045)) * 0.9, _rgb(0.93, 0.91, 0.86))
    lower_teeth = cover(np.maximum(d_in, y_lo_in - 0.03 - v)) * (0.8 * A["AU16"])
    paint(win, lower_teeth, _rgb(0.88, 0.88, 0.88))
    d = np.maximum(np.abs(v - mid) - 0.009, side + 0.005)
    paint(win, cover(d) * 0.6, _col(ids.lip_col) * 0.45)

    # --- eyes (AU5 widens, AU6/AU7 narrow from below) ---------------------------------------
    win = cv.window(-0.5, 0.5, -0.3, 0.12)
    u, ua, v = cv.uv(win)
    eh, ew, ey, cx = P["eye_h"], P["eye_w"], P["eye_y"], P["eye_dx"]
    h_up = eh * (1.0 + 0.9 * A["AU5"] - 0.4 * A["AU7"] - 0.2 * A["AU6"] - 0.15 * A["AU9"])
    h_lo = eh * 0.75 * (1.0 - 0.6 * A["AU6"] - 0.55 * A["AU7"] + 0.25 * A["AU5"] - 0.3 * A["AU9"])
    ex = (ua - cx) / ew
    ge = np.clip(1.0 - ex * ex, 0.0, 1.0)
    side_e = np.abs(ua - cx) - ew
    top = ey - h_up * ge
    d_eye = np.maximum(np.maximum(top - v, v - ey - h_lo * ge), side_e)
    cv.shade(win, cover(_ellipse(ua, v, cx, ey - 0.02, ew * 1.2, eh * 2.0), soft=3.0) * 0.25, 0.75)
    paint(win, cover(d_eye), _rgb(0.95, 0.94, 0.92))
    iris_r = 0.058 * (ew / 0.14)
    paint(win, cover(np.maximum(_ellipse(ua, v, cx, ey + 0.005, iris_r, iris_r), d_eye)),
          _col(ids.iris_col))  # fmt: skip
    paint(win, cover(np.maximum(_ellipse(ua, v, cx, ey + 0.005, 0.026, 0.026), d_eye)),
          _rgb(0.05, 0.05, 0.05))  # fmt: skip
    d = np.maximum(np.abs(v - top) - 0.013, side_e - 0.01)
    paint(win, cover(d) * 0.9, _rgb(0.12, 0.08, 0.07))
    d = _segment(ua, v, cx + ew + 0.025, ey - 0.014, cx + ew + 0.085, ey - 0.056, 0.007)
    for dy in (0.0, 0.035):
        d = np.minimum(d, _segment(ua, v, cx + ew + 0.025, ey + dy * 0.4, cx + ew + 0.085,
                                   ey + dy * 1.6, 0.007))  # fmt: skip
    cv.shade(win, cover(d) * (0.7 * A["AU6"]), 0.65)

    # --- brows (AU1 inner up, AU2 outer up, AU4 down and together) --------------------------
    win = cv.window(-0.55, 0.55, -0.55, -0.05)
    u, ua, v = cv.uv(win)
    x_in = cx - ew * 0.85 - 0.01 - 0.04 * A["AU4"]
    length = P["brow_len"] * (1.0 - 0.1 * A["AU4"])
    y_in = brow_y - 0.11 * A["AU1"] + 0.085 * A["AU4"] + 0.04 * A["AU9"] + 0.02 * A["AU7"]
    y_out = brow_y - 0.10 * A["AU2"] - 0.025 * A["AU1"] + 0.02 * A["AU4"]
    tt = (ua - x_in) / length
    tc = np.clip(tt, 0.0, 1.0)
    arch = P["brow_arch"] + 0.035 * A["AU2"] - 0.02 * A["AU4"]
    yc = y_in + (y_out - y_in) * tc - arch * 4.0 * tc * (1.0 - tc)
    half = P["brow_th"] * (0.575 - 0.225 * tc)
    d = np.maximum(np.abs(v - yc) - half, np.maximum(-tt, tt - 1.0) * length)
    paint(win, cover(d) * 0.95, _col(ids.brow_col))

    # --- glasses -----------------------------------------------------------------------------
    if np.any(ids.glasses > 0):
        win = cv.window(-0.75, 0.75, -0.35, 0.2)
        u, ua, v = cv.uv(win)
        gy = ey + 0.01
        gr = P["glasses_r"]
        on = P["glasses"]
        d = _ellipse(ua, v, cx, gy, gr * 1.05, gr * 0.8)
        paint(win, cover(d) * (0.12 * on), _rgb(0.9, 0.9, 0.9))
        frame = np.abs(d) - 0.012
        frame = np.minimum(frame, _segment(ua, v, cx + gr * 1.05, gy - 0.03, P["face_w"] + 0.02,
                                           gy - 0.05, 0.01))  # fmt: skip
        frame = np.minimum(frame, _hband(ua, v, -1.0, cx - gr * 1.05, gy - 0.04, 0.011))
        paint(win, cover(frame) * on, _rgb(0.1, 0.09, 0.1))

    # --- lighting, imaging shift, noise ---------------------------------------------------
    # Everything after the drawing is one per-image affine colour map (gain, colour cast,
    # hue rotation, contrast, 0-255 scaling) plus noise, applied in a single pass.
    img = cv.img
    x, y = cv.grid[None, None, :], cv.grid[None, :, None]
    gain = _p(r["bright"]) + _p(r["grad"]) * (
        x * _p(np.cos(r["grad_dir"])) + y * _p(np.sin(r["grad_dir"]))
    )
    noise_scale = (r["noise_sd"] + shift * f32(cfg.noise)) * f32(255.0 * np.sqrt(12.0))
    offset = 0.5 - 0.5 * noise_scale  # rounds to nearest and centres the uniform noise
    if np.any(shift > 0):
        la = np.deg2rad(cfg.light_angle)
        gain = gain + _p(shift * f32(cfg.light)) * (x * f32(np.cos(la)) + y * f32(np.sin(la)))
        img *= gain
        cast = 1.0 + np.outer(shift, np.array([1.0, 0.0, -1.0]) * cfg.color_cast)  # [B, 3]
        keep = 1.0 - shift * cfg.contrast
        # The hue rotation keeps R + G + B, so the grey mean is taken before it.
        mean = (img.mean(axis=(2, 3)).T * cast).mean(axis=1)
        theta = np.deg2rad(shift * (cfg.hue_degrees + cfg.hue_jitter * r["hue_jit"]))
        matrix = _hue_matrix(theta) * cast[:, None, :] * (255.0 * keep)[:, None, None]
        offset = offset + 255.0 * (1.0 - keep) * mean
        result = np.empty_like(img)
        tmp = np.empty_like(img[0])
        for c in range(3):
            out_c = result[c]
            np.multiply(img[0], _p(matrix[:, c, 0]), out=out_c)
            np.multiply(img[1], _p(matrix[:, c, 1]), out=tmp)
            out_c += tmp
            np.multiply(img[2], _p(matrix[:, c, 2]), out=tmp)
            out_c += tmp
        img = result
    else:
        gain *= f32(255.0)
        img *= gain
    noise *= _p(noise_scale)
    noise += _p(offset)
    img += noise
    np.clip(img, 0.0, 255.0, out=img)
    np.copyto(out, img.transpose(1, 2, 3, 0), casting="unsafe")


def _hue_matrix(theta: np.ndarray) -> np.ndarray:
    """Per-image ``[B, 3, 3]`` rotation of RGB about the grey axis by ``theta`` radians."""
    c, s = np.cos(theta), np.sin(theta)
    k = 1.0 / 3.0
    r3 = np.sqrt(k)
    a = c + k * (1 - c)
    b = k * (1 - c) - r3 * s
    d = k * (1 - c) + r3 * s
    return np.stack([np.stack([a, b, d], 1), np.stack([d, a, b], 1), np.stack([b, d, a], 1)], 1)


def _draw_image_params(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-image randomness: pose, lighting, background, texture (always all drawn)."""
    f32 = np.float32
    u = rng.uniform
    return {
        "angle": np.deg2rad(u(-7, 7, n)).astype(f32),
        "scale": u(0.94, 1.06, n).astype(f32),
        "tx": u(-0.06, 0.06, n).astype(f32),
        "ty": u(-0.05, 0.07, n).astype(f32),
        "bright": u(0.9, 1.08, n).astype(f32),
        "grad": u(0.0, 0.12, n).astype(f32),
        "grad_dir": u(0, 2 * np.pi, n).astype(f32),
        "noise_sd": u(0.01, 0.025, n).astype(f32),
        "bg_col": (u(0.55, 0.85, (n, 1)) + u(-0.06, 0.06, (n, 3))).astype(f32),
        "bg_grad": u(-0.15, 0.15, n).astype(f32),
        "hue_jit": u(-1, 1, n).astype(f32),
        "tex_id": rng.integers(0, _TEXTURES, n),
        "tex_flip": rng.random(n) < 0.5,
        "tex_c1": u(0.0, 1.0, (n, 3)).astype(f32),
        "tex_c2": u(0.0, 1.0, (n, 3)).astype(f32),
        "tex_c3": u(0.0, 1.0, (n, 3)).astype(f32),
    }


def _check_shift(shift: float) -> float:
    if not (np.isfinite(shift) and 0.0 <= float(shift) <= 1.0):
        raise ValueError(
            f"shift={shift!r} is outside [0, 1]. Use 0 for no imaging shift (only the men/women "
            f"differences), 1 for the full shift, or dannlib.synthfaces.DEFAULT_SHIFT "
            f"({DEFAULT_SHIFT})."
        )
    return float(shift)


def _check_size(image_size: int) -> int:
    if int(image_size) != image_size or image_size < MIN_IMAGE_SIZE:
        raise ValueError(
            f"image_size={image_size!r} is too small: use an integer >= {MIN_IMAGE_SIZE} "
            f"(48 is the default); smaller faces lose the eyes and mouth."
        )
    return int(image_size)


def render_faces(
    identities: Identities,
    aus: np.ndarray,
    rng: np.random.Generator,
    *,
    image_size: int = 48,
    shift: float | np.ndarray = 0.0,
    shift_config: ShiftConfig | None = None,
) -> np.ndarray:
    """Render a batch of faces, one per row of ``identities`` and ``aus``.

    Introduced in notebook 01. Each image gets its own pose jitter (rotation,
    translation, scale), lighting and pixel noise from ``rng``; all random numbers are
    drawn whatever ``shift`` is, so the same ``rng`` state gives the same faces at every
    shift and only the imaging shift changes.

    Parameters
    ----------
    identities : Identities
        One row per image (use :meth:`Identities.take` to repeat people).
    aus : numpy.ndarray
        ``[N, len(AU_COLUMNS)]`` action-unit intensities in ``[0, 1]``.
    rng : numpy.random.Generator
        Source of the per-image randomness.
    image_size : int
        Side of the square images in pixels (>= :data:`MIN_IMAGE_SIZE`).
    shift : float or array of float
        Imaging-shift strength in ``[0, 1]``, for all images or one per image
        (0 for the source domain).
    shift_config : ShiftConfig, optional
        Components of the imaging shift; default ``ShiftConfig()``.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array ``[N, H, W, 3]``.
    """
    size = _check_size(image_size)
    cfg = shift_config if shift_config is not None else ShiftConfig()
    n = len(identities)
    aus = np.asarray(aus, dtype=np.float32)
    if aus.shape != (n, len(AU_COLUMNS)):
        raise ValueError(
            f"aus must have shape [N, {len(AU_COLUMNS)}] = ({n}, {len(AU_COLUMNS)}) to match "
            f"{n} identities (columns {list(AU_COLUMNS)}); got {aus.shape}."
        )
    shift_arr = np.broadcast_to(np.asarray(shift, dtype=np.float32), (n,)).copy()
    for value in np.unique(shift_arr):
        _check_shift(float(value))
    params = _draw_image_params(n, rng)
    out = np.empty((n, size, size, 3), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n))
        m = sl.stop - sl.start
        noise = rng.random((3, m, size, size), dtype=np.float32)
        r = {k: v[sl] for k, v in params.items()}
        ids = identities.take(np.arange(sl.start, sl.stop))
        _render_chunk(ids, aus[sl], r, size, shift_arr[sl], cfg, noise, out[sl])
    return out


def render_face(
    emotion: str = "neutral",
    aus: Mapping[int | str, float] | None = None,
    shift: float = 0.0,
    identity_seed: int = 0,
    sex: str = "women",
    image_size: int = 48,
    seed: int = 0,
    shift_config: ShiftConfig | None = None,
) -> np.ndarray:
    """Render one face, for the interactive explorer in notebook 01.

    The AU vector starts from the prototype of ``emotion`` at full intensity; entries of
    ``aus`` (e.g. ``{"AU12": 0.3}`` or ``{12: 0.3}``) override single action units. With
    the same ``identity_seed`` and ``seed``, moving one slider changes only that aspect.

    Parameters
    ----------
    emotion : str
        One of :data:`dannlib.emotions.EMOTIONS` (aliases accepted).
    aus : mapping, optional
        Action-unit intensities overriding the prototype, usually in ``[0, 1]``
        (keys ``"AU12"``, ``"12"`` or ``12``; see :data:`dannlib.facs.AU_COLUMNS`).
    shift : float
        Imaging-shift strength in ``[0, 1]`` (what the target domain receives).
    identity_seed : int
        Which synthetic person to draw.
    sex : {"men", "women"}
        Identity distribution to draw the person from.
    image_size : int
        Image side in pixels.
    seed : int
        Seed of the pose, lighting, noise and background.
    shift_config : ShiftConfig, optional
        Components of the imaging shift.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array ``[H, W, 3]``.
    """
    _check_shift(shift)
    _check_domain(sex, "sex")
    vec = prototype_vector(emotion)
    if aus:
        for key, value in aus.items():
            vec[au_index(key)] = float(value)
    person = sample_identities(1, sex, np.random.default_rng([identity_seed, DOMAINS.index(sex)]))
    rng = np.random.default_rng([seed, 7])
    img = render_faces(person, vec[None], rng, image_size=image_size, shift=shift,
                       shift_config=shift_config)  # fmt: skip
    return img[0]


# ---------------------------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------------------------


def _default_cache_dir() -> Path:
    """The repository's ``data/cache`` (editable install) or ``~/.cache/dannlib``."""
    repo = Path(__file__).resolve().parents[1]
    if (repo / "pyproject.toml").exists() and (repo / "data").is_dir():
        return repo / "data" / "cache"
    return Path.home() / ".cache" / "dannlib"


#: Where :func:`make_synthfaces` caches generated arrays by default.
DEFAULT_CACHE_DIR: Path = _default_cache_dir()


def _split_counts(n_people: int, split_people: Sequence[float] | Sequence[int]) -> list[int]:
    if len(split_people) != 3:
        raise ValueError(
            f"split_people must give 3 values (train, val, test); got {split_people!r}."
        )
    if all(isinstance(x, (int, np.integer)) for x in split_people):
        counts = [int(x) for x in split_people]
        if sum(counts) != n_people:
            raise ValueError(
                f"split_people counts {counts} add up to {sum(counts)}, not n_people={n_people}; "
                f"make them add up or give fractions such as (0.7, 0.15, 0.15)."
            )
    else:
        fr = np.asarray(split_people, dtype=float)
        if np.any(fr < 0) or not np.isclose(fr.sum(), 1.0):
            raise ValueError(
                f"split_people fractions {tuple(split_people)} must be >= 0 and add up to 1, "
                f"e.g. (0.7, 0.15, 0.15)."
            )
        counts = _fraction_counts(n_people, fr)
    if min(counts) < 1:
        if all(isinstance(x, (int, np.integer)) for x in split_people):
            fix = "give every split at least 1 person"
        else:
            fr = np.asarray(split_people, dtype=float)
            need = next((m for m in range(n_people + 1, 10_000) if min(_fraction_counts(m, fr))), 0)
            fix = f"use n_people >= {need}" if need else "give every split a fraction > 0"
        raise ValueError(
            f"n_people={n_people} with split_people={tuple(split_people)} leaves a split with "
            f"no people ({dict(zip(SPLITS, counts))}); each split needs at least one person "
            f"per domain, so {fix}."
        )
    return counts


def _fraction_counts(n_people: int, fr: np.ndarray) -> list[int]:
    n_val = int(round(fr[1] * n_people))
    n_test = int(round(fr[2] * n_people))
    return [n_people - n_val - n_test, n_val, n_test]


def _cache_key(params: dict) -> str:
    blob = json.dumps(params, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _generate_domain(
    domain: str, n_people: int, images_per_emotion: int, image_size: int, shift: float,
    cfg: ShiftConfig, seed: int, counts: list[int],
) -> dict[str, dict[str, np.ndarray]]:  # fmt: skip
    """All images of one domain, grouped by split. Streams depend on (seed, domain) only."""
    code = DOMAINS.index(domain)
    ids = sample_identities(n_people, domain, np.random.default_rng([seed, code, 0]))
    order = np.random.default_rng([seed, code, 1]).permutation(n_people)
    n_emo = len(EMOTIONS)
    person = np.repeat(np.arange(n_people), n_emo * images_per_emotion)
    labels = np.tile(np.repeat(np.arange(n_emo), images_per_emotion), n_people)
    aus = sample_aus(labels, np.random.default_rng([seed, code, 2]))
    images = render_faces(
        ids.take(person), aus, np.random.default_rng([seed, code, 3]), image_size=image_size,
        shift=shift, shift_config=cfg,
    )  # fmt: skip
    split_of = np.empty(n_people, dtype=np.int64)
    bounds = np.cumsum([0, *counts])
    for k in range(3):
        split_of[order[bounds[k] : bounds[k + 1]]] = k
    out = {}
    for k, split in enumerate(SPLITS):
        keep = split_of[person] == k
        out[split] = {
            "images": images[keep],
            "labels": labels[keep].astype(np.int64),
            "subjects": np.array([f"{domain}_{p:03d}" for p in person[keep]]),
            "aus": aus[keep],
        }
    return out


def make_synthfaces(
    n_people: int = 100,
    images_per_emotion: int = 6,
    image_size: int = 48,
    shift: float = DEFAULT_SHIFT,
    seed: int = 0,
    split_people: Sequence[float] | Sequence[int] = (0.7, 0.15, 0.15),
    cache_dir: str | os.PathLike | None = "auto",
    source: str = "men",
    target: str = "women",
    shift_config: ShiftConfig | None = None,
) -> DomainDataset:
    """Generate (or load from cache) the SynthFaces men -> women dataset.

    Introduced in notebook 01 ("data and domain shift"). Each domain has ``n_people``
    synthetic people; each person appears in all 7 emotions, ``images_per_emotion``
    times each, with pose jitter, lighting and noise. People, not images, are assigned to
    train/val/test, so the splits are subject-disjoint. The imaging shift (strength
    ``shift``, components ``shift_config``) is applied to the **target** domain only;
    the source domain is identical for every ``shift``.

    Parameters
    ----------
    n_people : int
        People per domain.
    images_per_emotion : int
        Images of each person in each emotion.
    image_size : int
        Image side in pixels (>= :data:`MIN_IMAGE_SIZE`).
    shift : float
        Imaging-shift strength in ``[0, 1]`` for the target domain.
    seed : int
        Seed of everything; the same seed gives identical arrays.
    split_people : 3 fractions or 3 ints
        People per split (train, val, test), as fractions of ``n_people`` or as counts.
    cache_dir : path, "auto" or None
        Folder for the ``.npz`` cache; ``"auto"`` (the default) is
        :data:`DEFAULT_CACHE_DIR`, the repository's ``data/cache``; ``None`` disables
        caching.
    source, target : {"men", "women"}
        Labelled source domain and unlabelled target domain.
    shift_config : ShiftConfig, optional
        Components of the imaging shift (default ``ShiftConfig()``).

    Returns
    -------
    DomainDataset
        ``sets[(domain, split)]`` for both domains and splits ``train``, ``val``,
        ``test``; each :class:`~dannlib.datasets.FaceSet` carries ``extras["aus"]``
        (columns :data:`dannlib.facs.AU_COLUMNS`). ``info`` records every generator
        parameter (including ``shift_config``), ``people_per_split``,
        ``shift_applies_to`` (the target), ``cache_file`` (a file name inside
        ``cache_dir``) and ``from_cache``.

    Examples
    --------
    >>> ds = make_synthfaces(n_people=10, images_per_emotion=1, cache_dir=None)
    >>> ds.get("men", "train").images.shape
    torch.Size([42, 3, 48, 48])
    >>> ds.info["shift_applies_to"]
    'women'
    """
    _check_domain(source, "source domain")
    _check_domain(target, "target domain")
    if source == target:
        raise ValueError(
            f"source and target are both {source!r}; use source='men', target='women' "
            f"(or the reverse)."
        )
    shift = _check_shift(shift)
    image_size = _check_size(image_size)
    if int(n_people) != n_people or n_people < 1:
        raise ValueError(f"n_people={n_people!r} must be a positive integer (e.g. 100).")
    if int(images_per_emotion) != images_per_emotion or images_per_emotion < 1:
        raise ValueError(
            f"images_per_emotion={images_per_emotion!r} must be a positive integer (e.g. 6)."
        )
    n_people, images_per_emotion = int(n_people), int(images_per_emotion)
    counts = _split_counts(n_people, split_people)
    cfg = shift_config if shift_config is not None else ShiftConfig()

    params = {
        "generator": "synthfaces",
        "version": GENERATOR_VERSION,
        "n_people": n_people,
        "images_per_emotion": images_per_emotion,
        "image_size": image_size,
        "shift": shift,
        "seed": int(seed),
        "split_people": counts,
        "source": source,
        "target": target,
        "shift_config": dataclasses.asdict(cfg),
        "active_range": list(ACTIVE_RANGE),
        "leak_max": LEAK_MAX,
        "au_columns": list(AU_COLUMNS),
    }
    arrays: dict[str, np.ndarray] | None = None
    cache_file = None
    if isinstance(cache_dir, str) and cache_dir == "auto":
        cache_dir = DEFAULT_CACHE_DIR
    if cache_dir is not None:
        cache_file = Path(cache_dir) / f"synthfaces_{_cache_key(params)}.npz"
        if cache_file.exists():
            with np.load(cache_file, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
    from_cache = arrays is not None
    if arrays is None:
        arrays = {}
        for domain in (source, target):
            dom_shift = shift if domain == target else 0.0
            parts = _generate_domain(domain, n_people, images_per_emotion, image_size, dom_shift,
                                     cfg, int(seed), counts)  # fmt: skip
            for split, part in parts.items():
                for key, value in part.items():
                    arrays[f"{domain}/{split}/{key}"] = value
        if cache_file is not None:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache_file.parent, suffix=".npz.tmp")
            os.close(fd)
            try:
                with open(tmp, "wb") as fh:
                    np.savez(fh, **arrays)
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes owner-only files
                os.replace(tmp, cache_file)  # atomic: readers never see half a file
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)

    sets = {}
    for domain in (source, target):
        for split in SPLITS:
            key = f"{domain}/{split}"
            sets[(domain, split)] = FaceSet(
                images=torch.from_numpy(np.ascontiguousarray(
                    arrays[f"{key}/images"].transpose(0, 3, 1, 2))),
                labels=torch.from_numpy(arrays[f"{key}/labels"].astype(np.int64)),
                subjects=arrays[f"{key}/subjects"].astype(str),
                domain=domain,
                split=split,
                extras={"aus": arrays[f"{key}/aus"]},
            )  # fmt: skip
    info = dict(params)
    info.update(
        {
            "shift_applies_to": target,
            "people_per_split": dict(zip(SPLITS, counts)),
            "cache_file": cache_file.name if cache_file is not None else None,
            "from_cache": from_cache,
        }
    )
    return DomainDataset(name="synthfaces", source=source, target=target, sets=sets, info=info)
