"""FACS action units and the EMFACS emotion prototypes (introduced in notebook 01).

The Facial Action Coding System (FACS, Ekman & Friesen) describes a facial expression
as a set of *action units* (AUs), each the visible effect of one muscle group, with an
intensity. EMFACS lists, for each basic emotion, the AUs of its prototypical display.
SynthFaces (:mod:`dannlib.synthfaces`) draws an AU intensity vector for every image
from these prototypes and renders the face from the AUs, so every synthetic image
carries its AU vector in ``FaceSet.extras["aus"]`` (columns :data:`AU_COLUMNS`).

Examples
--------
>>> from dannlib.facs import PROTOTYPES, prototype_vector
>>> PROTOTYPES["happy"]
(6, 12)
>>> prototype_vector("happy").tolist()
[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .emotions import EMOTIONS, canonical_emotion

__all__ = [
    "AUS",
    "AU_COLUMNS",
    "AU_NAMES",
    "PROTOTYPES",
    "ACTIVE_RANGE",
    "LEAK_MAX",
    "au_index",
    "prototype_vector",
    "prototype_matrix",
    "aus_from_dict",
    "sample_aus",
]

#: The action units SynthFaces renders, in column order.
AUS: tuple[int, ...] = (1, 2, 4, 5, 6, 7, 9, 12, 15, 16, 20, 23, 26)

#: Column names of the AU intensity arrays (``extras["aus"]``).
AU_COLUMNS: tuple[str, ...] = tuple(f"AU{a}" for a in AUS)

#: FACS names of the action units, with what SynthFaces draws for each.
AU_NAMES: dict[int, str] = {
    1: "inner brow raiser (inner brow ends go up)",
    2: "outer brow raiser (outer brow ends go up)",
    4: "brow lowerer (brows down and together, vertical frown lines)",
    5: "upper lid raiser (eyes open wider, more white shows)",
    6: "cheek raiser (lower lids pushed up, cheek bumps)",
    7: "lid tightener (narrowed eyes)",
    9: "nose wrinkler (wrinkles on the nose bridge, flared nostrils)",
    12: "lip corner puller (smile curve)",
    15: "lip corner depressor (corners turned down)",
    16: "lower lip depressor (lower lip pulled down)",
    20: "lip stretcher (wider, flatter mouth)",
    23: "lip tightener (thin lips)",
    26: "jaw drop (open mouth, longer chin)",
}

#: EMFACS prototypes: the AUs active in each emotion's prototypical display.
PROTOTYPES: dict[str, tuple[int, ...]] = {
    "neutral": (),
    "happy": (6, 12),
    "sad": (1, 4, 15),
    "surprise": (1, 2, 5, 26),
    "angry": (4, 5, 7, 23),
    "fear": (1, 2, 4, 5, 20, 26),
    "disgust": (9, 15, 16),
}

#: Intensity range drawn uniformly for each active AU. Strong on purpose: the lesson is
#: the domain shift, so the emotions themselves should be learnable to over 90% within
#: the CPU budget (at (0.5, 1.0) the women oracle stayed near 0.75-0.89).
ACTIVE_RANGE: tuple[float, float] = (0.85, 1.0)

#: Inactive AUs leak a little: intensity uniform in ``[0, LEAK_MAX]``.
LEAK_MAX: float = 0.05


def au_index(au: int | str) -> int:
    """Column index of an action unit, given as ``12``, ``"12"`` or ``"AU12"``.

    Raises
    ------
    ValueError
        If the AU is not one SynthFaces renders; the message lists :data:`AU_COLUMNS`.
    """
    key = str(au).strip().upper()
    key = key[2:] if key.startswith("AU") else key
    try:
        return AUS.index(int(key))
    except ValueError:
        raise ValueError(
            f"Unknown action unit {au!r}. Use one of {list(AU_COLUMNS)} (or the bare numbers)."
        ) from None


def prototype_vector(emotion: str) -> np.ndarray:
    """0/1 vector over :data:`AU_COLUMNS` marking the prototype AUs of ``emotion``."""
    vec = np.zeros(len(AUS), dtype=np.float32)
    for au in PROTOTYPES[canonical_emotion(emotion)]:
        vec[au_index(au)] = 1.0
    return vec


def prototype_matrix() -> np.ndarray:
    """``[7, n_aus]`` 0/1 matrix: row ``i`` is the prototype of ``EMOTIONS[i]``."""
    return np.stack([prototype_vector(e) for e in EMOTIONS])


def aus_from_dict(aus: Mapping[int | str, float]) -> np.ndarray:
    """AU intensity vector from a mapping such as ``{"AU12": 0.8, 6: 0.5}`` (others 0)."""
    vec = np.zeros(len(AUS), dtype=np.float32)
    for au, value in aus.items():
        vec[au_index(au)] = float(value)
    return vec


def sample_aus(
    labels: Sequence[int] | np.ndarray,
    rng: np.random.Generator,
    active_range: tuple[float, float] = ACTIVE_RANGE,
    leak_max: float = LEAK_MAX,
) -> np.ndarray:
    """Draw an AU intensity vector for each emotion label.

    Active AUs of the label's prototype get an intensity uniform in ``active_range``;
    every other AU leaks an intensity uniform in ``[0, leak_max]``, so that classes
    overlap a little, as in real faces.

    Parameters
    ----------
    labels : array of int
        Indices into :data:`dannlib.emotions.EMOTIONS`.
    rng : numpy.random.Generator
        Source of randomness (seeded by the caller).
    active_range : (float, float)
        Range of intensities of active AUs.
    leak_max : float
        Largest intensity of an inactive AU.

    Returns
    -------
    numpy.ndarray
        ``float32`` array ``[N, len(AUS)]`` with values in ``[0, 1]``.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= len(EMOTIONS)):
        raise ValueError(
            f"Emotion labels must be in 0..{len(EMOTIONS) - 1} (indices into EMOTIONS); "
            f"got values from {labels.min()} to {labels.max()}."
        )
    lo, hi = active_range
    active = prototype_matrix()[labels] > 0
    strength = rng.uniform(lo, hi, size=active.shape)
    leak = rng.uniform(0.0, leak_max, size=active.shape)
    return np.where(active, strength, leak).astype(np.float32)
