import json
import math

import pytest

from dannlib.config import TrainConfig
from dannlib.experiment import (
    checkpoint_path,
    dataset_fingerprint,
    gap_recovered,
    load_dataset,
    read_summary,
    report,
    results_table,
    train_or_load,
    update_summary,
)
from toy_data import make_toy_dataset

CFG = TrainConfig(epochs=1, batch_size=16, progress=False)


@pytest.fixture(scope="module")
def toy():
    return make_toy_dataset(people=2, per_class=2, size=32)


def test_gap_recovered():
    assert gap_recovered(0.4, 0.7, 1.0) == pytest.approx(0.5)
    assert math.isnan(gap_recovered(0.9, 0.95, 0.8))


def test_train_or_load_reuses_then_moves_stale_aside(toy, tmp_path, capsys):
    first = train_or_load("source_only", toy, tmp_path, CFG)
    assert checkpoint_path(tmp_path, "source_only").is_file() and not first.resumed
    again = train_or_load("source_only", toy, tmp_path, CFG)
    assert again.resumed and again.history == first.history
    assert "Reusing source_only" in capsys.readouterr().out
    other = make_toy_dataset(people=2, per_class=2, size=32, seed=1)
    fresh = train_or_load("source_only", other, tmp_path, CFG)
    assert not fresh.resumed
    assert (tmp_path / "checkpoints" / "source_only.stale.pt").is_file()
    assert "moved it to source_only.stale.pt" in capsys.readouterr().out


def test_report_and_summary(toy, tmp_path):
    res = train_or_load("dann", toy, tmp_path, CFG)
    rep = report(res, toy)
    assert rep["gap"] == pytest.approx(rep["source_test_acc"] - rep["target_test_acc"])
    update_summary(tmp_path, toy, "dann", rep)
    summary = update_summary(tmp_path, toy, proxy_a_distance={"dann": 0.5})
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == summary == read_summary(tmp_path)
    assert on_disk["methods"]["dann"]["target_test_acc"] == rep["target_test_acc"]
    assert on_disk["proxy_a_distance"] == {"dann": 0.5}
    table = results_table(on_disk)
    assert list(table.index) == ["dann"] and "women (target) acc" in table.columns


def test_summary_of_other_data_starts_afresh(toy, tmp_path):
    update_summary(tmp_path, toy, gap_recovered=0.3)
    other = make_toy_dataset(people=2, per_class=2, size=32, seed=5)
    summary = update_summary(tmp_path, other)
    assert "gap_recovered" not in summary
    assert summary["fingerprint"] == dataset_fingerprint(other)


def test_load_dataset_errors():
    with pytest.raises(ValueError, match="Unknown dataset 'mnist'.*synthfaces"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="needs data_dir"):
        load_dataset("kdef")
