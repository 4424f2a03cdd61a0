"""Tests for dannlib.facs: the action-unit table and the EMFACS prototypes."""

from __future__ import annotations

import numpy as np
import pytest

from dannlib.emotions import EMOTIONS
from dannlib.facs import (
    ACTIVE_RANGE,
    AU_COLUMNS,
    AU_NAMES,
    AUS,
    LEAK_MAX,
    PROTOTYPES,
    au_index,
    aus_from_dict,
    prototype_matrix,
    prototype_vector,
    sample_aus,
)


def test_emfacs_table_is_the_documented_one():
    assert PROTOTYPES == {
        "neutral": (),
        "happy": (6, 12),
        "sad": (1, 4, 15),
        "surprise": (1, 2, 5, 26),
        "angry": (4, 5, 7, 23),
        "fear": (1, 2, 4, 5, 20, 26),
        "disgust": (9, 15, 16),
    }
    assert set(PROTOTYPES) == set(EMOTIONS)


def test_columns_cover_every_prototype_au():
    assert AU_COLUMNS == tuple(f"AU{a}" for a in AUS)
    assert set(AU_NAMES) == set(AUS)
    used = {au for aus in PROTOTYPES.values() for au in aus}
    assert used == set(AUS)


def test_prototype_vectors():
    happy = prototype_vector("happy")
    assert happy.dtype == np.float32 and happy.shape == (len(AUS),)
    assert happy[au_index("AU6")] == 1 and happy[au_index(12)] == 1 and happy.sum() == 2
    assert prototype_vector("neutral").sum() == 0
    np.testing.assert_array_equal(prototype_vector("joy"), happy)  # aliases accepted
    mat = prototype_matrix()
    assert mat.shape == (len(EMOTIONS), len(AUS))
    for i, emo in enumerate(EMOTIONS):
        assert sorted(np.array(AUS)[mat[i] > 0].tolist()) == sorted(PROTOTYPES[emo])


def test_au_index_accepts_numbers_and_names_and_rejects_others():
    assert au_index(1) == au_index("1") == au_index("AU1") == au_index("au1") == 0
    with pytest.raises(ValueError, match=r"AU3.*Use one of"):
        au_index("AU3")


def test_aus_from_dict():
    vec = aus_from_dict({"AU12": 0.8, 6: 0.5})
    assert vec[au_index(12)] == pytest.approx(0.8) and vec[au_index(6)] == pytest.approx(0.5)
    assert vec.sum() == pytest.approx(1.3)


def test_sample_aus_follows_the_prototypes():
    labels = np.repeat(np.arange(len(EMOTIONS)), 50)
    aus = sample_aus(labels, np.random.default_rng(0))
    assert aus.shape == (len(labels), len(AUS)) and aus.dtype == np.float32
    active = prototype_matrix()[labels] > 0
    assert aus[active].min() >= ACTIVE_RANGE[0] and aus[active].max() <= ACTIVE_RANGE[1]
    assert aus[~active].min() >= 0 and aus[~active].max() <= LEAK_MAX
    assert aus[~active].max() > 0  # inactive AUs leak a little
    again = sample_aus(labels, np.random.default_rng(0))
    np.testing.assert_array_equal(aus, again)


def test_sample_aus_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"0\.\.6"):
        sample_aus([0, 7], np.random.default_rng(0))
