import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from dannlib import plots  # noqa: E402
from dannlib.emotions import EMOTIONS  # noqa: E402
from toy_data import make_toy_dataset  # noqa: E402


def _summary():
    per = {e: 0.5 for e in EMOTIONS}
    m = {
        "source_test_acc": 0.9,
        "target_test_acc": 0.6,
        "gap": 0.3,
        "target_per_emotion_acc": per,
        "source_per_emotion_acc": per,
    }
    return {"source": "men", "target": "women", "methods": {"source_only": m, "dann": m}}


def test_figures_are_built_and_saved(tmp_path):
    ds = make_toy_dataset(people=2, per_class=2, size=32)
    hist = [
        {
            "epoch": 1,
            "label_loss": 1.0,
            "domain_loss": 0.7,
            "domain_acc": 0.6,
            "source_val_acc": 0.5,
            "target_val_acc_monitor_only": 0.4,
        }
    ]
    emb = {"a": np.random.default_rng(0).normal(size=(20, 2))}
    figs = {
        "grid": plots.plot_sample_grid(ds, per_domain=2),
        "balance": plots.plot_class_balance(ds),
        "stats": plots.plot_domain_statistics(ds),
        "confusion": plots.plot_confusion_pair(np.eye(7), np.ones((7, 7)), "a", "b"),
        "schedules": plots.plot_schedules(),
        "history": plots.plot_history({"dann": hist}),
        "tsne": plots.plot_tsne_pair(
            emb, np.r_[np.zeros(10), np.ones(10)], np.arange(20) % 7, ("men", "women")
        ),
        "results": plots.plot_results(_summary()),
        "per_emotion": plots.plot_per_emotion(_summary()),
    }
    for name, fig in figs.items():
        path = plots.save_figure(fig, tmp_path, name)
        assert path.read_bytes()[:4] == b"\x89PNG", name
    assert len(figs["grid"].axes) == 7 * 4


def test_explorer_static_and_widget():
    from dannlib import explorer

    assert len(explorer.shift_strip(people=1, steps=3, image_size=32).axes) == 3
    assert len(explorer.au_strip("AU26", steps=2, image_size=32).axes) == 2
    panel = explorer.face_explorer(image_size=32)
    left, right = panel.children
    image = left.children[-1]
    first = image.value
    left.children[3].value = 1.0  # the shift slider redraws the face
    assert image.value != first and image.value[:4] == b"\x89PNG"
    assert len(right.children) == 1 + 13  # title + one slider per action unit
