import warnings
from pathlib import Path

import numpy as np
import pytest

from dannlib.datasets import SPLITS
from dannlib.emotions import EMOTIONS
from dannlib.kdef import KDEFName, KDEFNameError, check_angles, parse_kdef_name, scan_kdef
from dannlib.manifest import DatasetError, DatasetNotFoundError
from dannlib.realdata import load_real_dataset
from fixtures_real import make_kdef_tree, save_face


@pytest.fixture(scope="module")
def kdef_root(tmp_path_factory) -> Path:
    return make_kdef_tree(tmp_path_factory.mktemp("kdef"), n_per_sex=4, size=16)


def test_parse_frontal_name():
    k = parse_kdef_name("AF01ANS.JPG")
    assert k == KDEFName(session="A", sex="F", person="01", code="AN", angle="S")
    assert (k.emotion, k.subject, k.domain) == ("angry", "F01", "women")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("BM35SUHL.jpeg", ("B", "M", "35", "surprise", "HL", "M35", "men")),
        ("am02dis.png", ("A", "M", "02", "disgust", "S", "M02", "men")),
        ("some/dir/BF10AFFR.JPG", ("B", "F", "10", "fear", "FR", "F10", "women")),
    ],
)
def test_parse_other_names(name, expected):
    k = parse_kdef_name(name)
    assert (k.session, k.sex, k.person, k.emotion, k.angle, k.subject, k.domain) == expected


@pytest.mark.parametrize("name", ["AF01XXS.JPG", "AF1ANS.JPG", "readme.jpg", "AF01ANSX.JPG"])
def test_parse_bad_name_names_file_and_pattern(name):
    with pytest.raises(KDEFNameError, match="expected <session A\\|B>") as err:
        parse_kdef_name(name)
    assert name in str(err.value)
    assert isinstance(err.value, ValueError)


def test_check_angles():
    assert check_angles(("s", "hl")) == ("S", "HL")
    assert check_angles(None) == ("FL", "HL", "S", "HR", "FR")
    assert check_angles("S") == ("S",)
    with pytest.raises(ValueError, match="Unknown KDEF angle"):
        check_angles(("XL",))


def test_scan_angle_filter(kdef_root):
    frontal = scan_kdef(kdef_root)
    assert len(frontal) == 8 * 7 and set(frontal.table["angle"]) == {"S"}
    assert frontal.info["excluded_other_angles"] == 56
    both = scan_kdef(kdef_root, angles=None)
    assert len(both) == 112 and set(both.table["angle"]) == {"S", "HL"}
    assert set(both.table["domain"]) == {"men", "women"}


def test_sessions_are_one_subject(tmp_path):
    root = make_kdef_tree(tmp_path, n_per_sex=1, size=8, angles=("S",), sessions=("A", "B"))
    table = scan_kdef(root).table
    assert sorted(table["subject"].unique()) == ["F01", "M01"]
    assert (table["subject"] == "M01").sum() == 14


def test_load_kdef_splits(kdef_root):
    ds = load_real_dataset("kdef", kdef_root, image_size=16)
    assert (ds.source, ds.target) == ("men", "women")
    for dom in ("men", "women"):
        seen: dict[str, set] = {}
        for split in SPLITS:
            fs = ds.get(dom, split)
            assert fs.images.dtype.is_floating_point is False and fs.images.shape[1:] == (3, 16, 16)
            assert (fs.class_counts() > 0).all(), f"{dom}/{split} lacks an emotion"
            seen[split] = set(fs.subjects.tolist())
            assert set(fs.extras["angle"]) == {"S"}
        assert not (seen["train"] & seen["val"] or seen["train"] & seen["test"])
        assert not seen["val"] & seen["test"]
        assert [len(seen[s]) for s in SPLITS] == [2, 1, 1]
    counts = ds.counts()
    assert counts.loc[("women", "happy")].tolist() == [2, 1, 1]
    assert int(counts.to_numpy().sum()) == 56


def test_reversed_direction_same_splits(kdef_root):
    fwd = load_real_dataset("kdef", kdef_root, image_size=16, seed=3)
    rev = load_real_dataset("kdef", kdef_root, image_size=16, source="Female", target="m", seed=3)
    assert (rev.source, rev.target) == ("women", "men")
    for split in SPLITS:
        assert fwd.get("women", split).paths == rev.get("women", split).paths


def test_verbose_prints_summary(kdef_root, capsys):
    load_real_dataset("kdef", kdef_root, image_size=16, verbose=True)
    out = capsys.readouterr().out
    assert "men: train=14, val=7, test=7" in out


def test_unparseable_name_raise_and_skip(tmp_path):
    root = make_kdef_tree(tmp_path, n_per_sex=3, size=8, angles=("S",))
    bad = save_face(root / "AF01" / "holiday_photo.jpg", "happy", 1, 8, np.random.default_rng())
    with pytest.raises(KDEFNameError) as err:
        load_real_dataset("kdef", root, image_size=8)
    msg = str(err.value)
    assert str(bad) in msg and "AF01ANS.JPG" in msg and "on_error='skip'" in msg
    with pytest.warns(UserWarning, match="Skipped 1 file"):
        ds = load_real_dataset("kdef", root, image_size=8, on_error="skip")
    assert [p for p, _ in ds.skipped] == [str(bad)]


def test_missing_and_empty_folder(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist") as err:
        load_real_dataset("kdef", tmp_path / "nope")
    assert isinstance(err.value, FileNotFoundError)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hi")
    with pytest.raises(DatasetError, match="No images found under .*empty"):
        load_real_dataset("kdef", tmp_path / "empty")


def test_missing_emotion_in_source(tmp_path):
    root = make_kdef_tree(tmp_path, n_per_sex=3, size=8, angles=("S",))
    for p in root.rglob("AM*DIS.JPG"):
        p.unlink()
    with pytest.raises(
        DatasetError, match=r"source domain 'men' has no training images of \['disgust'\]"
    ):
        load_real_dataset("kdef", root, image_size=8)
    # the reverse direction is fine: a missing class in the target only warns
    with pytest.warns(UserWarning, match="target domain 'men' has no images of"):
        ds = load_real_dataset("kdef", root, image_size=8, source="women", target="men")
    assert ds.get("men", "train").class_counts()[EMOTIONS.index("disgust")] == 0


def test_domain_without_images_and_unknown_domain(tmp_path):
    root = make_kdef_tree(tmp_path, n_per_sex=3, size=8, angles=("S",), sexes=("M",))
    with pytest.raises(
        DatasetError, match=r"target domain 'women'.*Domains with images: \['men'\]"
    ):
        load_real_dataset("kdef", root, image_size=8)
    with pytest.raises(DatasetError, match=r"source domain 'children'.*\['men'\]"):
        load_real_dataset("kdef", root, image_size=8, source="children")
    with pytest.raises(ValueError, match="same domain"):
        load_real_dataset("kdef", root, image_size=8, source="male", target="men")


def test_bad_arguments(kdef_root):
    with pytest.raises(ValueError, match="Unknown dataset kind 'fer'"):
        load_real_dataset("fer", kdef_root)
    with pytest.raises(ValueError, match="on_error must be one of"):
        load_real_dataset("kdef", kdef_root, on_error="ignore")
    with pytest.raises(ValueError, match="sum to 1"):
        load_real_dataset("kdef", kdef_root, split_fractions=(0.5, 0.2, 0.2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean load warns about nothing
        load_real_dataset("kdef", kdef_root, image_size=8)
