"""Papermill smoke tests: every notebook, tiny parameters, three kinds of data.

Each run executes all five notebooks in order into a temporary ``output_dir`` and
checks that ``summary.json`` holds sane values for every method.
"""

import json

import pytest

from dannlib import suite
from fixtures_real import make_csv_manifest, make_kdef_tree

TINY = {"epochs": 1, "image_size": 32, "batch_size": 16, "tsne_points": 30}


def _check_summary(out, dataset):
    summary = json.loads((out / "summary.json").read_text())
    assert summary["dataset"] == dataset
    assert summary["source"] == "men" and summary["target"] == "women"
    assert set(summary["methods"]) == {"source_only", "dann", "target_oracle"}
    for m in summary["methods"].values():
        assert 0.0 <= m["source_test_acc"] <= 1.0 and 0.0 <= m["target_test_acc"] <= 1.0
    for v in summary["proxy_a_distance"].values():
        assert -2.0 <= v <= 2.0
    assert sorted(p.name for p in (out / "figures").glob("*.png"))[:1]
    assert len(list((out / "notebooks").glob("*.ipynb"))) == 5
    assert {p.name for p in (out / "checkpoints").glob("*.pt")} == {
        "source_only.pt", "dann.pt", "target_oracle.pt"}  # fmt: skip


@pytest.mark.slow
def test_suite_on_synthfaces(tmp_path):
    out = tmp_path / "run"
    suite.run_suite({**TINY, "n_people": 12, "output_dir": str(out)}, progress=False)
    _check_summary(out, "synthfaces")


@pytest.mark.slow
def test_suite_on_kdef_named_tree(tmp_path):
    root = make_kdef_tree(tmp_path / "data", n_per_sex=7, size=40)
    out = tmp_path / "run"
    params = {**TINY, "dataset": "kdef", "data_dir": str(root), "output_dir": str(out)}
    suite.run_suite(params, progress=False)
    _check_summary(out, "kdef")


@pytest.mark.slow
def test_suite_on_csv_manifest(tmp_path):
    csv = make_csv_manifest(tmp_path / "data", n_subjects=7, size=40)
    out = tmp_path / "run"
    params = {**TINY, "dataset": "csv", "data_dir": str(csv), "output_dir": str(out)}
    suite.run_suite(params, progress=False)
    _check_summary(out, "csv")
