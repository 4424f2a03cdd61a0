import shutil
from pathlib import Path

import numpy as np
import pytest

from dannlib.datasets import SPLITS
from dannlib.folders import scan_folders, subject_from_name
from dannlib.manifest import DatasetError, DatasetNotFoundError
from dannlib.realdata import load_real_dataset
from fixtures_real import make_folder_tree, save_face


def _split_dir(path: str) -> str:
    """The split folder an image came from."""
    return Path(path).parent.parent.name


@pytest.fixture(scope="module")
def train_val_tree(tmp_path_factory) -> Path:
    # Male/Female x train(3 per emotion)/val(1 per emotion), no test folder
    return make_folder_tree(tmp_path_factory.mktemp("tv"), n_per_class={"train": 3, "val": 1})


def test_aliases_and_layout(train_val_tree):
    m = scan_folders(train_val_tree)
    assert m.domains == ["men", "women"]
    assert m.info["layout"] == "domain/split/emotion"
    assert set(m.table["emotion"]) == {
        "neutral",
        "happy",
        "sad",
        "surprise",
        "angry",
        "fear",
        "disgust",
    }
    assert set(m.table["split"]) == {"train", "val"}
    assert m.info["subjects_from"] == {"file": 56}


def test_given_val_kept_and_test_carved_from_train(train_val_tree):
    ds = load_real_dataset("folders", train_val_tree, image_size=16)
    for dom in ("men", "women"):
        val, train, test = (ds.get(dom, s) for s in ("val", "train", "test"))
        assert {_split_dir(p) for p in val.paths} == {"val"} and len(val) == 7
        assert {_split_dir(p) for p in test.paths} == {"train"}
        assert {_split_dir(p) for p in train.paths} == {"train"}
        # stratified by image: every emotion in every split
        assert train.class_counts().tolist() == [2] * 7
        assert test.class_counts().tolist() == [1] * 7
        assert not set(train.paths) & set(test.paths)
    assert ds.info["given_splits"]["men"] == ["train", "val"]


def test_test_folder_is_used(tmp_path):
    root = make_folder_tree(
        tmp_path,
        splits=("Train", "Validation", "TEST"),
        size=8,
        n_per_class={"train": 2, "validation": 1, "test": 1},
    )
    ds = load_real_dataset("folders", root, image_size=8)
    assert {_split_dir(p) for p in ds.get("women", "test").paths} == {"TEST"}
    assert [len(ds.get("men", s)) for s in SPLITS] == [14, 7, 7]


def test_no_split_folders_and_domain_aliases(tmp_path):
    root = make_folder_tree(tmp_path, domains=("MEN", "woman"), splits=None, n_per_class=4, size=8)
    ds = load_real_dataset("folders", root, image_size=8, source="women", target="men")
    assert (ds.source, ds.target) == ("women", "men")
    assert ds.info["layout"] == "domain/emotion"
    for dom in ("men", "women"):
        sizes = [len(ds.get(dom, s)) for s in SPLITS]
        assert sum(sizes) == 28 and all(n >= 7 for n in sizes)


def test_split_first_layout(tmp_path):
    root = make_folder_tree(tmp_path, split_first=True, size=8)
    ds = load_real_dataset("folders", root, image_size=8)
    assert ds.info["layout"] == "split/domain/emotion"
    assert [len(ds.get("women", s)) for s in SPLITS] == [14, 7, 7]


def test_kdef_names_give_subjects(tmp_path):
    root = make_folder_tree(tmp_path, splits=None, n_per_class=6, kdef_names=True, size=8)
    m = scan_folders(root)
    assert m.info["subjects_from"] == {"kdef": 84}
    ds = load_real_dataset("folders", root, image_size=8)
    subs = [set(ds.get("men", s).subjects.tolist()) for s in SPLITS]
    assert not (subs[0] & subs[1] or subs[0] & subs[2] or subs[1] & subs[2])
    assert set().union(*subs) == {f"M{i:02d}" for i in range(1, 7)}


def test_subject_pattern(tmp_path):
    p = tmp_path / "x" / "S012_003_happy.png"
    assert subject_from_name(p, tmp_path, r"^(S\d+)_") == ("S012", "pattern")
    assert subject_from_name(p, tmp_path, r"^(?P<subject>S\d+)_(\d+)") == ("S012", "pattern")
    assert subject_from_name(p, tmp_path, r"^Q") == (None, "pattern")
    assert subject_from_name(p, tmp_path) == ("x/S012_003_happy", "file")
    root = make_folder_tree(tmp_path / "t", splits=None, n_per_class=3, size=8)
    m = scan_folders(root, subject_pattern=r"^(\w+?)_")  # "male"/"female" prefix
    assert set(m.table["subject"]) == {"male", "female"}
    with pytest.raises(DatasetError, match="without a subject id"):
        scan_folders(root, subject_pattern=r"^S\d+")


def test_unknown_emotion_folder_raise_and_skip(tmp_path):
    root = make_folder_tree(tmp_path, size=8)
    rng = np.random.default_rng(0)
    bad = [
        save_face(root / "Male" / "train" / "Contempt" / f"c{i}.jpg", "happy", 0, 8, rng)
        for i in range(2)
    ]
    with pytest.raises(DatasetError, match="Unknown emotion folder") as err:
        load_real_dataset("folders", root, image_size=8)
    msg = str(err.value)
    assert str(root / "Male" / "train" / "Contempt") in msg and "'neutral'" in msg
    assert "on_error='skip'" in msg
    with pytest.warns(UserWarning, match="Skipped 2 file"):
        ds = load_real_dataset("folders", root, image_size=8, on_error="skip")
    assert sorted(p for p, _ in ds.skipped) == sorted(str(p) for p in bad)
    assert all("not a known emotion" in why for _, why in ds.skipped)


def test_stray_image_outside_emotion_folder(tmp_path):
    root = make_folder_tree(tmp_path, size=8)
    stray = save_face(root / "Female" / "val" / "loose.png", "sad", 1, 8, np.random.default_rng())
    with pytest.raises(DatasetError, match="not inside an emotion folder") as err:
        scan_folders(root)
    assert str(stray) in str(err.value)
    assert scan_folders(root, on_error="skip").skipped == [
        (str(stray), "image is not inside an emotion folder")
    ]


def test_folder_errors(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        scan_folders(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="No domain folders"):
        scan_folders(tmp_path / "empty")
    (tmp_path / "empty" / "Male" / "train" / "Happy").mkdir(parents=True)
    with pytest.raises(DatasetError, match="No images found"):
        scan_folders(tmp_path / "empty")
    root = make_folder_tree(tmp_path / "t", size=8)
    with pytest.raises(DatasetError, match="holds emotion folders"):
        scan_folders(root / "Male" / "train")
    (root / "Male" / "Happy").mkdir()
    with pytest.raises(DatasetError, match="mixes split folders"):
        scan_folders(root)
    shutil.rmtree(root / "Male" / "Happy")
    (root / "men").mkdir()
    with pytest.raises(DatasetError, match="both mean domain 'men'"):
        scan_folders(root)


def test_empty_domain_folder(tmp_path):
    root = make_folder_tree(tmp_path, size=8)
    shutil.rmtree(root / "Female")
    (root / "Female" / "train" / "Happy").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"target domain 'women'.*Female") as err:
        load_real_dataset("folders", root, image_size=8)
    assert "Domains with images: ['men']" in str(err.value)


def test_emotion_only_in_source_val(tmp_path):
    root = make_folder_tree(tmp_path, size=8, n_per_class={"train": 2, "val": 1})
    shutil.rmtree(root / "Male" / "train" / "disgust")
    with pytest.raises(DatasetError, match="no training images of \\['disgust'\\]") as err:
        load_real_dataset("folders", root, image_size=8)
    assert "move some to train" in str(err.value)
