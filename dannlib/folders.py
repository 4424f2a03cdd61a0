"""Men/women image folders: the ``kind="folders"`` layout (notebook 01).

Any of these layouts works (folder names in any case)::

    root/Male/train/Happy/*.jpg        root/train/Male/Happy/*.jpg        root/Male/Happy/*.jpg
    root/Male/val/Happy/*.jpg          root/val/Male/Happy/*.jpg          root/Female/Sad/*.jpg
    root/Female/train/Sad/*.jpg        root/test/Female/Sad/*.jpg
    ...

* **Domain folders** may be called men/male/man/m or women/female/woman/f (any case);
  other names become domains of that name (see :func:`dannlib.manifest.canonical_domain`).
* **Split folders** train/val/test (aliases training, valid, validation, dev, testing) are
  kept as the dataset brings them. Missing ones are carved out of ``train``; with no split
  folders at all, everything is split by :func:`dannlib.splits.subject_split`.
* **Emotion folders** may use any name or alias known to
  :func:`dannlib.emotions.canonical_emotion` (``Happy``, ``joy``, ``ANGER``...). Images may
  sit in sub-folders of the emotion folder.

**Subjects.** Folder datasets rarely say who is in a photo. The subject of an image is:
the match of ``subject_pattern`` (a regular expression searched in the file stem; its
``subject`` group, else its first group, else the whole match) if given; else the person
id if the file has a KDEF name (``AF01ANS.jpg`` -> ``F01``); else the image itself (its
path without extension), so that carved splits are stratified by image, not by person,
and can then share people. The loader records which rule applied in ``info``.
"""

from __future__ import annotations

import re
from pathlib import Path

from .emotions import EMOTIONS, canonical_emotion
from .imageio import find_image_files, is_image_file
from .kdef import KDEFNameError, parse_kdef_name
from .manifest import (
    DatasetError,
    DatasetNotFoundError,
    Manifest,
    canonical_domain,
    canonical_split,
    check_on_error,
    format_list,
    make_manifest,
    problems_error,
)

__all__ = ["FOLDER_LAYOUT", "scan_folders", "subject_from_name"]

FOLDER_LAYOUT = (
    "root/<domain>/<split>/<emotion>/*.jpg, root/<split>/<domain>/<emotion>/*.jpg or "
    "root/<domain>/<emotion>/*.jpg, e.g. root/Male/train/Happy/001.jpg "
    "(domain: Male/Female/men/women/...; split: train/val/test; emotion: "
    + "/".join(e.capitalize() for e in EMOTIONS)
    + " or an alias)"
)


def _subdirs(folder: Path) -> list[Path]:
    return sorted(
        d
        for d in folder.iterdir()
        if d.is_dir() and not d.name.startswith(".") and d.name != "__MACOSX"
    )


def _is_emotion(name: str) -> bool:
    try:
        canonical_emotion(name)
    except ValueError:
        return False
    return True


def subject_from_name(
    path: str | Path, root: str | Path, subject_pattern: str | re.Pattern | None = None
) -> tuple[str | None, str]:
    """Subject id of an image and the rule used (``"pattern"``, ``"kdef"`` or ``"file"``).

    Returns ``(None, "pattern")`` if ``subject_pattern`` is given and does not match.
    """
    path = Path(path)
    if subject_pattern is not None:
        m = re.search(subject_pattern, path.stem)
        if m is None:
            return None, "pattern"
        if "subject" in m.re.groupindex:
            return m.group("subject"), "pattern"
        return (m.group(1) if m.re.groups else m.group(0)), "pattern"
    try:
        return parse_kdef_name(path).subject, "kdef"
    except KDEFNameError:
        return path.relative_to(root).with_suffix("").as_posix(), "file"


def _layout_groups(root: Path) -> tuple[str, list[tuple[str, str | None, Path]]]:
    """Find ``(domain, split, folder-of-emotion-folders)`` groups and name the layout."""

    def kinds(dirs: list[Path]) -> tuple[bool, bool]:
        splits = [canonical_split(d.name) is not None for d in dirs]
        return all(splits), any(splits)

    level1 = _subdirs(root)
    if not level1:
        raise DatasetError(
            f"No domain folders in {root}. Fix: arrange the images as {FOLDER_LAYOUT}."
        )
    if all(_is_emotion(d.name) for d in level1):
        raise DatasetError(
            f"{root} holds emotion folders ({[d.name for d in level1]}), not domain folders. "
            "Fix: pass the folder that holds the domain folders (e.g. Male/ and Female/) as "
            f"data_dir; expected {FOLDER_LAYOUT}."
        )
    groups: list[tuple[str, str | None, Path]] = []
    owners: dict[tuple[str, str | None], Path] = {}  # who claims each domain (per split)

    def claim(dom: str, split: str | None, folder: Path) -> None:
        if (dom, split) in owners:
            raise DatasetError(
                f"Folders {owners[(dom, split)]} and {folder} both mean domain {dom!r}"
                + (f", split {split!r}" if split else "")
                + ". Fix: merge them into one folder."
            )
        owners[(dom, split)] = folder

    all_split, any_split = kinds(level1)
    if all_split:
        layout = "split/domain/emotion"
        for s in level1:
            split = canonical_split(s.name)
            for d in _subdirs(s):
                claim(canonical_domain(d.name), split, d)
                groups.append((canonical_domain(d.name), split, d))
    elif any_split:
        raise DatasetError(
            f"{root} mixes split folders and domain folders: {[d.name for d in level1]}. "
            f"Fix: use one layout, {FOLDER_LAYOUT}."
        )
    else:
        layout = "domain/emotion"
        for d in level1:
            claim(canonical_domain(d.name), None, d)
            level2 = _subdirs(d)
            all_split, any_split = kinds(level2)
            if any_split and not all_split:
                raise DatasetError(
                    f"{d} mixes split folders (train/val/test) and other folders: "
                    f"{[x.name for x in level2]}. Fix: put the emotion folders inside the "
                    f"split folders; expected {FOLDER_LAYOUT}."
                )
            if all_split and level2:
                layout = "domain/split/emotion"
                for s in level2:
                    claim(canonical_domain(d.name), canonical_split(s.name), s)
                    groups.append((canonical_domain(d.name), canonical_split(s.name), s))
            else:
                groups.append((canonical_domain(d.name), None, d))
    return layout, groups


def scan_folders(
    root: str | Path, on_error: str = "raise", subject_pattern: str | None = None
) -> Manifest:
    """Find images in a men/women folder tree and build a :class:`Manifest` (notebook 01).

    Parameters
    ----------
    root : str or Path
        The folder holding the domain folders (or the split folders); see the module docstring.
    on_error : {"raise", "skip"}
        Unknown emotion folders, images outside any emotion folder, and file names that do
        not match ``subject_pattern``: raise one error listing them, or skip the files and
        record each in ``skipped``.
    subject_pattern : str, optional
        Regular expression that finds the person id in a file stem, e.g. ``r"^(S\\d+)_"``.

    Returns
    -------
    Manifest
        ``split`` is the split folder's name, or ``None`` where the layout has none.
    """
    check_on_error(on_error)
    root = Path(root)
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise DatasetNotFoundError(
            f"Image folder {root} {what}. Fix: pass the folder laid out as {FOLDER_LAYOUT}."
        )
    layout, groups = _layout_groups(root)
    rows: list[dict] = []
    skipped: list[tuple[str, str]] = []
    bad_dirs: list[tuple[str, str]] = []
    stray: list[tuple[str, str]] = []
    unmatched: list[tuple[str, str]] = []
    rules: dict[str, int] = {}
    domain_dirs: dict[str, list[str]] = {}
    n_other = 0
    for dom, split, parent in groups:
        domain_dirs.setdefault(dom, []).append(str(parent))
        stray += [
            (str(p), "image is not inside an emotion folder")
            for p in sorted(parent.iterdir())
            if p.is_file() and is_image_file(p) and not p.name.startswith(".")
        ]
        for edir in _subdirs(parent):
            images, other = find_image_files(edir)
            n_other += other
            try:
                emotion = canonical_emotion(edir.name)
            except ValueError:
                bad_dirs.append((str(edir), f"{len(images)} image(s)"))
                why = f"folder {edir.name!r} is not a known emotion"
                skipped += [(str(p), why) for p in images]
                continue
            for p in images:
                subject, rule = subject_from_name(p, root, subject_pattern)
                if subject is None:
                    unmatched.append((str(p), f"file name does not match {subject_pattern!r}"))
                    continue
                rules[rule] = rules.get(rule, 0) + 1
                rows.append(
                    {
                        "path": str(p),
                        "emotion": emotion,
                        "domain": dom,
                        "subject": subject,
                        "split": split,
                    }
                )
    if on_error == "raise":
        if bad_dirs:
            raise DatasetError(
                f"Unknown emotion folder(s) under {root}:\n"
                f"{format_list([f'{p} ({n})' for p, n in bad_dirs])}\n"
                f"Valid emotion names are {list(EMOTIONS)} (aliases such as joy, anger, "
                "sadness, afraid and any case are accepted). Fix: rename the folder(s), move "
                f"them out of {root}, or pass on_error='skip' to skip their images (they are "
                "then listed in dataset.skipped)."
            )
        if stray:
            raise problems_error(
                f"Images under {root} that are not inside an emotion folder",
                stray,
                f"move them into emotion folders ({FOLDER_LAYOUT}) or delete them",
            )
        if unmatched:
            raise problems_error(
                f"File names under {root} without a subject id",
                unmatched,
                "rename the files, or change or drop subject_pattern",
            )
    skipped += stray + unmatched
    if not rows and not skipped:
        raise DatasetError(
            f"No images found under {root} (searched for .jpg/.jpeg/.png/...). "
            f"Fix: put the images in emotion folders, {FOLDER_LAYOUT}."
        )
    info = {
        "root": str(root),
        "layout": layout,
        "domain_dirs": domain_dirs,
        "subjects_from": dict(sorted(rules.items())),
        "ignored_non_images": n_other,
    }
    return make_manifest(rows, root, skipped=skipped, info=info)
