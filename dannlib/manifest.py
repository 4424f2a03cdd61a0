"""Image manifests: one row per image, the common currency of the real-data loaders (notebook 01).

Every real-data loader first *scans* its files into a :class:`Manifest`, a table with
one row per image and the columns ``path, emotion, domain, subject, split``.
:func:`dannlib.realdata.build_domain_dataset` then decodes the images and splits them,
the same way for KDEF, men/women folders and CSV files.

A CSV manifest (``kind="csv"``) is this table written by hand::

    path,emotion,domain,subject,split
    images/m01_happy.jpg,happy,men,m01,train
    images/f07_sad.png,sadness,female,f07,test

``path``, ``emotion`` and ``domain`` are required; ``subject`` and ``split`` are optional.
Paths are relative to the CSV file's folder (absolute paths work too). Emotions may be
any alias known to :func:`dannlib.emotions.canonical_emotion`; domains may be any alias
known to :func:`canonical_domain` (``male``/``female``/``m``/``f``...) or any other name.
Without a ``subject`` column each image counts as its own subject, so the split is
stratified by image rather than by person.

This module also defines the exceptions shared by the loaders: :class:`DatasetError`
(a ``ValueError``) and :class:`DatasetNotFoundError` (also a ``FileNotFoundError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .emotions import EMOTIONS, canonical_emotion

__all__ = [
    "DatasetError",
    "DatasetNotFoundError",
    "Manifest",
    "MANIFEST_COLUMNS",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "DOMAIN_ALIASES",
    "SPLIT_ALIASES",
    "canonical_domain",
    "canonical_split",
    "make_manifest",
    "read_manifest",
    "find_manifest_csv",
]

MANIFEST_COLUMNS: tuple[str, ...] = ("path", "emotion", "domain", "subject", "split")
REQUIRED_COLUMNS: tuple[str, ...] = ("path", "emotion", "domain")
OPTIONAL_COLUMNS: tuple[str, ...] = ("subject", "split")

DOMAIN_ALIASES: dict[str, str] = {
    **{a: "men" for a in ("men", "man", "male", "males", "m", "mens", "boy", "boys")},
    **{a: "women" for a in ("women", "woman", "female", "females", "f", "womens", "girl", "girls")},
}
SPLIT_ALIASES: dict[str, str] = {
    "train": "train", "training": "train", "trn": "train",
    "val": "val", "valid": "val", "validation": "val", "dev": "val",
    "test": "test", "testing": "test", "tst": "test",
}  # fmt: skip

ON_ERROR = ("raise", "skip")
_SKIP_FIX = "or pass on_error='skip' to skip them (they are then listed in dataset.skipped)"
_LIST_LIMIT = 10


class DatasetError(ValueError):
    """A problem with the data on disk; the message names the path(s) and the fix."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """A folder or file that the loader needs does not exist."""


@dataclass
class Manifest:
    """The images a loader found, before decoding (introduced in notebook 01).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per image with at least :data:`MANIFEST_COLUMNS`. ``emotion`` holds canonical
        names, ``domain`` canonical domain names, ``subject`` strings and ``split`` either a
        split name or ``None`` (to be assigned by :func:`dannlib.splits.assign_splits`).
    origin : str
        Where the images came from (a folder or a CSV file), for messages.
    skipped : list of (str, str)
        Files set aside while scanning (``on_error="skip"``), with the reason.
    info : dict
        Scanner facts, e.g. ``"subjects_from"`` or ``"domain_dirs"``.
    """

    table: pd.DataFrame
    origin: str
    skipped: list[tuple[str, str]] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table)

    @property
    def domains(self) -> list[str]:
        """Sorted domain names that have at least one image."""
        return sorted(self.table["domain"].unique().tolist())


def canonical_domain(name: str) -> str:
    """Canonical domain name: ``"men"``/``"women"`` for their aliases, else the name lower-cased.

    Aliases (any case): men, man, male, males, m, boys... and women, woman, female, females,
    f, girls... Any other name (e.g. ``"young"``) is kept, lower-cased and stripped, so
    datasets with other domain splits work too.
    """
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_").replace("'", "")
    return DOMAIN_ALIASES.get(key, key)


def canonical_split(name: str) -> str | None:
    """``"train"``, ``"val"`` or ``"test"`` for a split name or alias (any case), else ``None``."""
    return SPLIT_ALIASES.get(str(name).strip().lower())


def check_on_error(on_error: str) -> str:
    """Validate the ``on_error`` argument shared by the loaders."""
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {list(ON_ERROR)}; got {on_error!r}.")
    return on_error


def format_list(items: Sequence[str], limit: int = _LIST_LIMIT) -> str:
    """Bullet list of the first ``limit`` items, with ``... and N more`` after them."""
    lines = [f"  {x}" for x in items[:limit]]
    if len(items) > limit:
        lines.append(f"  ... and {len(items) - limit} more")
    return "\n".join(lines)


def problems_error(
    header: str, problems: Sequence[tuple[str, str]], fix: str, cls: type[Exception] = DatasetError
) -> Exception:
    """Build an exception that lists ``(path, reason)`` problems and ends with the fix."""
    body = format_list([f"{p}: {why}" for p, why in problems])
    return cls(f"{header} ({len(problems)} in total):\n{body}\nFix: {fix}, {_SKIP_FIX}.")


def make_manifest(
    rows: Iterable[dict],
    origin: str | Path,
    skipped: list[tuple[str, str]] | None = None,
    info: dict | None = None,
) -> Manifest:
    """Build a :class:`Manifest` from row dicts, sorted by path, with all columns present."""
    table = pd.DataFrame(list(rows))
    for col in MANIFEST_COLUMNS:
        if col not in table.columns:
            table[col] = pd.Series(dtype=object)
    extra = [c for c in table.columns if c not in MANIFEST_COLUMNS]
    table = table[list(MANIFEST_COLUMNS) + extra]
    table = table.sort_values("path", kind="stable").reset_index(drop=True)
    table["split"] = table["split"].astype(object).where(table["split"].notna(), None)
    return Manifest(table=table, origin=str(origin), skipped=skipped or [], info=info or {})


def find_manifest_csv(data_dir: str | Path) -> Path:
    """The CSV for ``data_dir``: the file itself, or ``manifest.csv`` / the only ``*.csv`` in it."""
    data_dir = Path(data_dir)
    if data_dir.is_file():
        return data_dir
    if not data_dir.exists():
        raise DatasetNotFoundError(
            f"CSV manifest {data_dir} does not exist. Fix: pass the path of a CSV file with "
            f"columns {', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)}), "
            "or a folder that contains one."
        )
    if (data_dir / "manifest.csv").is_file():
        return data_dir / "manifest.csv"
    csvs = sorted(p for p in data_dir.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    if len(csvs) == 1:
        return csvs[0]
    found = [p.name for p in csvs]
    raise DatasetNotFoundError(
        f"Folder {data_dir} holds {len(csvs)} CSV files {found}; cannot tell which is the "
        "manifest. Fix: pass the CSV file itself as data_dir, or name it manifest.csv."
    )


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_manifest(csv_path: str | Path, on_error: str = "raise") -> Manifest:
    """Read a CSV manifest (``kind="csv"``, notebook 01) into a :class:`Manifest`.

    Parameters
    ----------
    csv_path : str or Path
        A CSV file, or a folder holding ``manifest.csv`` (or exactly one ``*.csv``).
    on_error : {"raise", "skip"}
        What to do with bad rows (unknown emotion, empty value, missing file, duplicate
        path): raise one error listing them, or skip them and record them in ``skipped``.

    Returns
    -------
    Manifest
        Paths are resolved against the CSV's folder. Rows without a ``subject`` count as
        their own subject (the file path without extension). ``split`` is ``None`` when the
        CSV has no ``split`` column (or it is empty everywhere).

    Raises
    ------
    DatasetError
        Missing columns (names the missing and required ones), unknown emotions, empty values,
        unknown split names or a partly filled ``split`` column.
    DatasetNotFoundError
        The CSV does not exist, or listed image files do not exist (first ten and the count).
    """
    check_on_error(on_error)
    csv_path = find_manifest_csv(csv_path)
    base = csv_path.parent
    try:
        df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DatasetError(
            f"Cannot read CSV manifest {csv_path}: {exc}. Fix: save it as a UTF-8 CSV with a "
            f"header row {','.join(REQUIRED_COLUMNS)}[,{','.join(OPTIONAL_COLUMNS)}]."
        ) from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise DatasetError(
            f"CSV manifest {csv_path} is missing column(s) {missing}. Required columns: "
            f"{list(REQUIRED_COLUMNS)}; optional: {list(OPTIONAL_COLUMNS)}; found: "
            f"{list(df.columns)}. Fix: add the missing column(s) to the header row."
        )
    if len(df) == 0:
        raise DatasetError(f"CSV manifest {csv_path} has no rows. Fix: add one row per image.")

    has_split = "split" in df.columns and any(_clean(v) for v in df["split"])
    if has_split:
        empty = [i for i, v in enumerate(df["split"], start=2) if not _clean(v)]
        if empty:
            raise DatasetError(
                f"CSV manifest {csv_path}: the split column is empty on {len(empty)} row(s) "
                f"(lines {empty[:_LIST_LIMIT]}{' ...' if len(empty) > _LIST_LIMIT else ''}). "
                "Fix: give every row a split (train/val/test), or drop the column to let "
                "dannlib make subject-disjoint splits."
            )

    rows: list[dict] = []
    bad: list[tuple[str, str]] = []
    not_found: list[str] = []
    seen: set[str] = set()
    for line, rec in enumerate(df.to_dict("records"), start=2):
        where = f"{csv_path}:{line}"
        raw_path, raw_emo, raw_dom = (_clean(rec[c]) for c in REQUIRED_COLUMNS)
        if not raw_path or not raw_emo or not raw_dom:
            empty_cols = [c for c in REQUIRED_COLUMNS if not _clean(rec[c])]
            bad.append((where, f"empty {', '.join(empty_cols)}"))
            continue
        path = Path(raw_path) if Path(raw_path).is_absolute() else base / raw_path
        try:
            emotion = canonical_emotion(raw_emo)
        except ValueError:
            bad.append((f"{where} ({path})", f"unknown emotion {raw_emo!r}"))
            continue
        split = None
        if has_split:
            split = canonical_split(rec["split"])
            if split is None:
                bad.append((f"{where} ({path})", f"unknown split {_clean(rec['split'])!r}"))
                continue
        if str(path) in seen:
            bad.append((f"{where} ({path})", "duplicate path (listed on an earlier line)"))
            continue
        seen.add(str(path))
        if not path.is_file():
            not_found.append(str(path))
            continue
        subject = _clean(rec.get("subject", "")) or Path(raw_path).with_suffix("").as_posix()
        rows.append(
            {
                "path": str(path),
                "emotion": emotion,
                "domain": canonical_domain(raw_dom),
                "subject": subject,
                "split": split,
            }
        )

    skipped: list[tuple[str, str]] = []
    if bad:
        if on_error == "raise":
            raise problems_error(
                f"CSV manifest {csv_path} has rows that cannot be used; valid emotions are "
                f"{list(EMOTIONS)} (aliases accepted), valid splits train/val/test",
                bad,
                "correct or delete these rows",
            )
        skipped += bad
    if not_found:
        if on_error == "raise":
            raise DatasetNotFoundError(
                f"CSV manifest {csv_path} lists {len(not_found)} image file(s) that do not exist "
                f"(paths are relative to {base}):\n{format_list(not_found)}\nFix: correct the "
                f"paths or delete these rows, {_SKIP_FIX}."
            )
        skipped += [(p, "file does not exist (listed in the CSV manifest)") for p in not_found]
    subjects_given = "subject" in df.columns and any(_clean(v) for v in df["subject"])
    info = {
        "csv": str(csv_path),
        "subjects_from": "csv subject column" if subjects_given else "file (one per image)",
    }
    return make_manifest(rows, csv_path, skipped=skipped, info=info)
