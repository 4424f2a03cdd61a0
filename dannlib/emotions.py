"""The seven emotions and their aliases (introduced in notebook 01).

Every dataset loader maps its own labels onto :data:`EMOTIONS` through
:func:`canonical_emotion`, so that class index ``i`` means the same emotion
everywhere in dannlib.
"""

from __future__ import annotations

__all__ = ["EMOTIONS", "EMOTION_ALIASES", "NUM_CLASSES", "canonical_emotion", "emotion_index"]

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "surprise", "angry", "fear", "disgust")
NUM_CLASSES: int = len(EMOTIONS)

EMOTION_ALIASES: dict[str, str] = {
    # canonical names map to themselves
    **{e: e for e in EMOTIONS},
    # common spellings in face datasets
    "ne": "neutral",
    "neu": "neutral",
    "calm": "neutral",
    "contempt_free": "neutral",
    "ha": "happy",
    "hap": "happy",
    "joy": "happy",
    "happiness": "happy",
    "smile": "happy",
    "sa": "sad",
    "sadness": "sad",
    "unhappy": "sad",
    "su": "surprise",
    "sur": "surprise",
    "surprised": "surprise",
    "an": "angry",
    "ang": "angry",
    "anger": "angry",
    "mad": "angry",
    "af": "fear",
    "afraid": "fear",
    "fearful": "fear",
    "scared": "fear",
    "fea": "fear",
    "di": "disgust",
    "dis": "disgust",
    "disgusted": "disgust",
    "disgusting": "disgust",
}


def canonical_emotion(label: str) -> str:
    """Return the canonical emotion name for ``label`` (any case, any known alias).

    Raises
    ------
    ValueError
        If the label is not a known emotion or alias; the message lists the valid names.
    """
    key = str(label).strip().lower().replace("-", "_").replace(" ", "_")
    if key in EMOTION_ALIASES:
        return EMOTION_ALIASES[key]
    raise ValueError(
        f"Unknown emotion label {label!r}. Use one of {list(EMOTIONS)} "
        f"(aliases such as 'joy', 'anger', 'sadness', 'afraid' are accepted too)."
    )


def emotion_index(label: str) -> int:
    """Class index of ``label`` in :data:`EMOTIONS` (aliases accepted)."""
    return EMOTIONS.index(canonical_emotion(label))
