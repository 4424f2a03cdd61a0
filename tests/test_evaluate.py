import numpy as np
import pytest
import torch

from dannlib.evaluate import classification_metrics, domain_gap, evaluate, extract_features
from dannlib.models import build_model
from toy_data import make_toy_dataset


def test_metrics_by_hand():
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([0, 1, 1, 1, 2, 0])
    m = classification_metrics(y, p, num_classes=3)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    # per-class F1: c0 p=.5 r=.5 -> .5 ; c1 p=2/3 r=1 -> .8 ; c2 p=1 r=.5 -> 2/3
    assert m["macro_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert m["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_domain_gap():
    assert domain_gap(0.9, 0.6) == pytest.approx(0.3)


def test_evaluate_and_features_shapes():
    ds = make_toy_dataset(people=1, per_class=1)
    torch.manual_seed(0)
    model = build_model()
    fs = ds.get("women", "test")
    m = evaluate(model, fs)
    assert m["n"] == len(fs) == 7 and set(m["per_emotion_accuracy"]) >= {"happy", "disgust"}
    assert extract_features(model, fs.images, batch_size=3).shape == (7, 128)
