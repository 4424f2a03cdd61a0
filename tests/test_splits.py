import numpy as np
import pytest

from dannlib.manifest import DatasetError
from dannlib.splits import assign_splits, check_fractions, subject_overlap, subject_split


def _people(n_people: int, per_class: int = 1, n_classes: int = 7):
    """Every person shows every class ``per_class`` times (KDEF-like)."""
    subjects = np.repeat([f"p{i:02d}" for i in range(n_people)], n_classes * per_class)
    labels = np.tile(np.repeat(np.arange(n_classes), per_class), n_people)
    return subjects, labels


def _check_partition(parts: dict, n: int) -> None:
    allidx = np.sort(np.concatenate(list(parts.values())))
    assert np.array_equal(allidx, np.arange(n)), "every image in exactly one split"


@pytest.mark.parametrize("n_people", [3, 4, 10, 35])
def test_disjoint_and_every_emotion(n_people):
    subjects, labels = _people(n_people)
    parts = subject_split(subjects, labels, (0.7, 0.15, 0.15), seed=1)
    _check_partition(parts, len(labels))
    split_of = np.empty(len(labels), dtype=object)
    for name, idx in parts.items():
        split_of[idx] = name
        assert set(labels[idx]) == set(range(7)), f"{name} lacks an emotion"
    assert subject_overlap(subjects, split_of) == {}


def test_fractions_followed_for_many_subjects():
    subjects, labels = _people(35, per_class=2)
    sizes = [len(v) // 14 for v in subject_split(subjects, labels, seed=0).values()]
    assert sizes == [25, 5, 5]  # 35 people: 24.5 / 5.25 / 5.25


def test_seeded_and_seed_dependent():
    subjects, labels = _people(20)
    a = subject_split(subjects, labels, seed=7)
    b = subject_split(subjects, labels, seed=7)
    c = subject_split(subjects, labels, seed=8)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert any(not np.array_equal(a[k], c[k]) for k in a)


def test_image_level_split_is_stratified():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(7), [40, 20, 20, 20, 20, 20, 60])
    rng.shuffle(labels)
    parts = subject_split(np.arange(len(labels)), labels, (0.6, 0.2, 0.2), seed=0)
    _check_partition(parts, len(labels))
    counts = {k: np.bincount(labels[v], minlength=7) for k, v in parts.items()}
    assert counts["train"].tolist() == [24, 12, 12, 12, 12, 12, 36]
    assert counts["val"].tolist() == counts["test"].tolist() == [8, 4, 4, 4, 4, 4, 12]


def test_rare_emotion_goes_to_train_first():
    # emotion 6 is shown by only two people: train and val get one each, test none
    subjects, labels = _people(6, n_classes=6)
    subjects = np.concatenate([subjects, ["p00", "p01"]])
    labels = np.concatenate([labels, [6, 6]])
    parts = subject_split(subjects, labels, seed=0)
    assert 6 in labels[parts["train"]] and 6 in labels[parts["val"]]
    assert 6 not in labels[parts["test"]]


def test_zero_fraction_and_too_few_subjects():
    subjects, labels = _people(5)
    parts = subject_split(subjects, labels, (0.8, 0.2, 0.0))
    assert len(parts["test"]) == 0 and len(parts["val"]) > 0
    one = subject_split(*_people(1), seed=0)
    assert len(one["train"]) == 7 and len(one["val"]) == len(one["test"]) == 0
    empty = subject_split([], [], seed=0)
    assert all(len(v) == 0 for v in empty.values())


def test_check_fractions():
    assert check_fractions((0.5, 0.25, 0.25)).tolist() == [0.5, 0.25, 0.25]
    with pytest.raises(ValueError, match="sum to 1"):
        check_fractions((0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="3 values"):
        check_fractions((0.5, 0.5))
    with pytest.raises(ValueError, match=">= 0"):
        check_fractions((1.2, -0.1, -0.1))


def test_assign_splits_keeps_given_and_carves_test():
    subjects, labels = _people(8)
    given = np.where(np.isin(subjects, ["p06", "p07"]), "val", "train")
    out = assign_splits(subjects, labels, given, (0.7, 0.15, 0.15), seed=0)
    assert (out[given == "val"] == "val").all()
    assert set(out[given == "train"]) == {"train", "test"}
    assert subject_overlap(subjects, out) == {}
    assert len(set(subjects[out == "test"])) == 1  # 6 people * 0.15/0.85 ~ 1


def test_assign_splits_all_or_nothing():
    subjects, labels = _people(4)
    out = assign_splits(subjects, labels, None)
    assert set(out) == {"train", "val", "test"}
    partial = ["train"] * (len(labels) - 1) + [None]
    with pytest.raises(DatasetError, match="have no split"):
        assign_splits(subjects, labels, partial)
    with pytest.raises(DatasetError, match="no train split"):
        assign_splits(subjects, labels, ["val"] * len(labels))


def test_subject_overlap_reports_pairs():
    over = subject_overlap(["a", "a", "b", "c"], ["train", "test", "train", "val"])
    assert over == {("test", "train"): ["a"]}
