from pathlib import Path

import pytest

from dannlib.datasets import SPLITS
from dannlib.manifest import (
    DatasetError,
    DatasetNotFoundError,
    canonical_domain,
    canonical_split,
    make_manifest,
    read_manifest,
)
from dannlib.realdata import build_domain_dataset, load_real_dataset
from fixtures_real import make_csv_manifest


def _rewrite(csv_path: Path, lines: list[str]) -> Path:
    csv_path.write_text("\n".join(lines) + "\n")
    return csv_path


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Male", "men"),
        ("M", "men"),
        (" man ", "men"),
        ("FEMALE", "women"),
        ("f", "women"),
        ("Woman", "women"),
        ("women", "women"),
        ("Young", "young"),
    ],
)
def test_canonical_domain(name, expected):
    assert canonical_domain(name) == expected


def test_canonical_split():
    assert [canonical_split(s) for s in ("Train", "VALID", "validation", "test", "x")] == [
        "train",
        "val",
        "val",
        "test",
        None,
    ]


def test_read_manifest_relative_paths_and_aliases(tmp_path):
    csv_path = make_csv_manifest(tmp_path, domains=("Male", "F"), n_subjects=2, size=8)
    m = read_manifest(csv_path)
    assert len(m) == 28 and m.domains == ["men", "women"]
    assert all(Path(p).is_file() for p in m.table["path"])
    assert set(m.table["subject"]) == {"M00", "M01", "F00", "F01"}
    assert m.table["split"].isna().all()
    # a folder holding manifest.csv works too
    assert len(read_manifest(tmp_path)) == 28


def test_load_csv_with_splits_and_reversed(tmp_path):
    csv_path = make_csv_manifest(tmp_path, n_subjects=3, size=8, with_split=True)
    ds = load_real_dataset("csv", csv_path, image_size=8, source="women", target="men")
    assert (ds.source, ds.target) == ("women", "men")
    for split, subject in zip(SPLITS, ("w00", "w01", "w02")):
        fs = ds.get("women", split)
        assert set(fs.subjects.tolist()) == {subject} and fs.class_counts().tolist() == [1] * 7


def test_csv_without_subject_is_split_by_image(tmp_path):
    csv_path = make_csv_manifest(tmp_path, n_subjects=3, size=8, with_subject=False)
    m = read_manifest(csv_path)
    assert m.table["subject"].nunique() == 42
    assert m.info["subjects_from"] == "file (one per image)"


def test_header_case_and_missing_columns(tmp_path):
    csv_path = make_csv_manifest(tmp_path, n_subjects=1, size=8)
    lines = csv_path.read_text().splitlines()
    _rewrite(csv_path, ["Path, Emotion ,DOMAIN,Subject"] + lines[1:])
    assert len(read_manifest(csv_path)) == 14
    _rewrite(csv_path, ["path,label,sex"] + lines[1:])
    with pytest.raises(DatasetError) as err:
        read_manifest(csv_path)
    msg = str(err.value)
    assert "missing column(s) ['emotion', 'domain']" in msg
    assert "Required columns: ['path', 'emotion', 'domain']" in msg and str(csv_path) in msg


def test_nonexistent_paths_listed_with_count(tmp_path):
    csv_path = make_csv_manifest(tmp_path, n_subjects=2, size=8)
    lines = csv_path.read_text().splitlines()
    ghosts = [f"images/ghost_{i:02d}.png,happy,men" for i in range(12)]
    _rewrite(
        csv_path, ["path,emotion,domain"] + [",".join(x.split(",")[:3]) for x in lines[1:]] + ghosts
    )
    with pytest.raises(DatasetNotFoundError) as err:
        read_manifest(csv_path)
    msg = str(err.value)
    assert "12 image file(s) that do not exist" in msg and "... and 2 more" in msg
    assert "ghost_00.png" in msg and "ghost_11.png" not in msg
    m = read_manifest(csv_path, on_error="skip")
    assert len(m) == 28 and len(m.skipped) == 12


def test_bad_rows_raise_or_skip(tmp_path):
    csv_path = make_csv_manifest(tmp_path, n_subjects=3, size=8)
    lines = csv_path.read_text().splitlines()
    lines[1] = lines[1].replace(",neutral,", ",contempt,")
    lines[2] = lines[2].replace(",happy,", ",,")
    _rewrite(csv_path, lines)
    with pytest.raises(DatasetError) as err:
        read_manifest(csv_path)
    msg = str(err.value)
    assert "unknown emotion 'contempt'" in msg and "empty emotion" in msg and ":2 " in msg
    assert "on_error='skip'" in msg
    with pytest.warns(UserWarning, match="Skipped 2 file"):
        ds = load_real_dataset("csv", csv_path, image_size=8, on_error="skip")
    assert len(ds.skipped) == 2


def test_split_column_problems(tmp_path):
    csv_path = make_csv_manifest(tmp_path, n_subjects=3, size=8, with_split=True)
    lines = csv_path.read_text().splitlines()
    _rewrite(csv_path, lines[:1] + [lines[1].rsplit(",", 1)[0] + ","] + lines[2:])
    with pytest.raises(DatasetError, match="split column is empty on 1 row"):
        read_manifest(csv_path)
    _rewrite(csv_path, lines[:1] + [lines[1].rsplit(",", 1)[0] + ",holdout"] + lines[2:])
    with pytest.raises(DatasetError, match="unknown split 'holdout'"):
        read_manifest(csv_path)


def test_missing_csv(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        read_manifest(tmp_path / "nope.csv")
    (tmp_path / "a.csv").write_text("x")
    (tmp_path / "b.csv").write_text("x")
    with pytest.raises(DatasetNotFoundError, match="2 CSV files"):
        read_manifest(tmp_path)


def test_build_from_handmade_manifest(tmp_path):
    csv_path = make_csv_manifest(tmp_path, domains=("young", "old"), n_subjects=3, size=8)
    rows = read_manifest(csv_path).table.to_dict("records")
    ds = build_domain_dataset(
        make_manifest(rows, "handmade"), source="old", target="young", image_size=8
    )
    assert ds.domains == ("old", "young") and len(ds.get("young", "test")) == 7
