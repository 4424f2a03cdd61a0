"""The KDEF face set: file-name parsing and scanning (notebook 01).

KDEF (Karolinska Directed Emotional Faces, https://kdef.se) has 70 amateur actors
(35 women, 35 men), each photographed twice (sessions A and B) showing 7 expressions
from 5 angles. Everything is encoded in the file name, e.g. ``AF01ANS.JPG``:

==========  =======  =====================================================
position    example  meaning
==========  =======  =====================================================
1           ``A``    session, ``A`` or ``B``
2           ``F``    sex, ``F`` (female -> domain ``"women"``) or ``M`` (-> ``"men"``)
3-4         ``01``   person number, two digits
5-6         ``AN``   expression: AF fear, AN angry, DI disgust, HA happy,
                     NE neutral, SA sad, SU surprise
7(-8)       ``S``    angle: FL full left, HL half left, S straight, HR half right,
                     FR full right (so the stem has 7 or 8 characters)
==========  =======  =====================================================

Sessions A and B of the same person are the **same subject** (``"F01"``), so they always
land in the same split. The default keeps only frontal (``S``) images.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .emotions import canonical_emotion
from .imageio import find_image_files
from .manifest import (
    DatasetError,
    DatasetNotFoundError,
    Manifest,
    check_on_error,
    make_manifest,
    problems_error,
)

__all__ = [
    "KDEF_EXPRESSIONS",
    "KDEF_ANGLES",
    "KDEF_PATTERN",
    "KDEFName",
    "KDEFNameError",
    "parse_kdef_name",
    "check_angles",
    "scan_kdef",
]

KDEF_EXPRESSIONS: dict[str, str] = {
    "AF": "fear",
    "AN": "angry",
    "DI": "disgust",
    "HA": "happy",
    "NE": "neutral",
    "SA": "sad",
    "SU": "surprise",
}
KDEF_ANGLES: tuple[str, ...] = ("FL", "HL", "S", "HR", "FR")
KDEF_PATTERN = (
    "<session A|B><sex F|M><2-digit person><expression AF|AN|DI|HA|NE|SA|SU>"
    "<angle FL|HL|S|HR|FR>.<jpg|jpeg|png>, e.g. AF01ANS.JPG"
)
_KDEF_RE = re.compile(r"^([AB])([FM])(\d{2})(AF|AN|DI|HA|NE|SA|SU)(FL|FR|HL|HR|S)$", re.IGNORECASE)


class KDEFNameError(DatasetError):
    """A file name that does not follow the KDEF pattern."""


@dataclass(frozen=True)
class KDEFName:
    """The parts of a KDEF file name (see the module docstring).

    Attributes
    ----------
    session : str
        ``"A"`` or ``"B"``.
    sex : str
        ``"F"`` or ``"M"``.
    person : str
        Two-digit person number, e.g. ``"01"``.
    code : str
        Two-letter expression code, e.g. ``"AN"``.
    angle : str
        One of :data:`KDEF_ANGLES`.
    """

    session: str
    sex: str
    person: str
    code: str
    angle: str

    @property
    def emotion(self) -> str:
        """Canonical emotion name, e.g. ``"angry"``."""
        return canonical_emotion(KDEF_EXPRESSIONS[self.code])

    @property
    def subject(self) -> str:
        """Person id shared by both sessions, e.g. ``"F01"``."""
        return f"{self.sex}{self.person}"

    @property
    def domain(self) -> str:
        """``"men"`` for ``M``, ``"women"`` for ``F``."""
        return "men" if self.sex == "M" else "women"


def parse_kdef_name(name: str | Path) -> KDEFName:
    """Parse a KDEF file name or path such as ``AF01ANS.JPG`` (any case, any extension).

    Raises
    ------
    KDEFNameError
        If the stem does not match; the message names the file and the expected pattern.
    """
    m = _KDEF_RE.match(Path(name).stem)
    if m is None:
        raise KDEFNameError(
            f"{name}: not a KDEF file name; expected {KDEF_PATTERN}. "
            "(The averaged AKDEF faces have no person number; point data_dir at KDEF itself.)"
        )
    session, sex, person, code, angle = (g.upper() for g in m.groups())
    return KDEFName(session, sex, person, code, angle)


def check_angles(angles: str | Iterable[str] | None) -> tuple[str, ...]:
    """Normalise an angle filter: ``None`` or ``"all"`` means every angle; ``"S"`` means frontal."""
    if angles is None or (isinstance(angles, str) and angles.lower() == "all"):
        return KDEF_ANGLES
    if isinstance(angles, str):
        angles = (angles,)
    out = tuple(str(a).strip().upper() for a in angles)
    bad = [a for a in out if a not in KDEF_ANGLES]
    if bad or not out:
        raise ValueError(
            f"Unknown KDEF angle(s) {bad or list(out)}; use some of {list(KDEF_ANGLES)} "
            "(FL/FR full left/right, HL/HR half left/right, S straight), or None for all."
        )
    return out


def scan_kdef(
    root: str | Path, angles: str | Iterable[str] | None = ("S",), on_error: str = "raise"
) -> Manifest:
    """Find KDEF images under ``root`` (recursively) and build a :class:`Manifest` (notebook 01).

    Parameters
    ----------
    root : str or Path
        The KDEF folder (e.g. ``data/KDEF`` holding ``AF01/``, ``AM01/``...); any nesting works.
    angles : str, iterable of str or None
        Angles to keep; default frontal only. ``None`` or ``"all"`` keeps all five.
    on_error : {"raise", "skip"}
        Image files whose names do not parse: raise one error listing them, or skip them
        and record them in ``skipped``.

    Returns
    -------
    Manifest
        Columns ``path, emotion, domain, subject, split`` (split ``None``: KDEF brings no
        splits) plus ``session`` and ``angle``.
    """
    check_on_error(on_error)
    keep = check_angles(angles)
    root = Path(root)
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise DatasetNotFoundError(
            f"KDEF folder {root} {what}. Fix: download KDEF from https://kdef.se, unpack it, "
            "and pass the folder that holds AF01/, AM01/, ... as data_dir."
        )
    images, n_other = find_image_files(root)
    if not images:
        raise DatasetError(
            f"No images found under {root} (searched recursively for .jpg/.jpeg/.png). "
            f"Fix: pass the folder that holds the KDEF images, named like {KDEF_PATTERN}."
        )
    rows, bad = [], []
    other_angles = 0
    for p in images:
        try:
            k = parse_kdef_name(p)
        except KDEFNameError:
            bad.append((str(p), "not a KDEF file name (expected e.g. AF01ANS.JPG)"))
            continue
        if k.angle not in keep:
            other_angles += 1
            continue
        rows.append(
            {
                "path": str(p),
                "emotion": k.emotion,
                "domain": k.domain,
                "subject": k.subject,
                "split": None,
                "session": k.session,
                "angle": k.angle,
            }
        )
    if bad and on_error == "raise":
        raise problems_error(
            f"Image file names under {root} that are not KDEF names; expected {KDEF_PATTERN}",
            bad,
            "rename or remove these files",
            cls=KDEFNameError,
        )
    if not rows:
        raise DatasetError(
            f"Found {len(images) - len(bad)} KDEF image(s) under {root} but none with angle in "
            f"{list(keep)}. Fix: pass angles=None to keep every angle, or add frontal images."
        )
    info = {
        "root": str(root),
        "angles": list(keep),
        "excluded_other_angles": other_angles,
        "ignored_non_images": n_other,
        "subjects_from": "kdef file names",
    }
    return make_manifest(rows, root, skipped=bad, info=info)
