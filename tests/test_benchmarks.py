"""The benchmark suite at tiny sizes: JSON shape, reports, merging, GPU-check refusal."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/ is a folder of the repository, not installed

from benchmarks import report, run  # noqa: E402
from benchmarks.accuracy import calibration_checks, gap_recovery, merge_rows, summarise  # noqa: E402
from dannlib.synthfaces import DEFAULT_SHIFT  # noqa: E402

TINY = [
    "--shifts", "0", "--seeds", "0", "--epochs", "1", "--n-people", "7",
    "--images-per-emotion", "1", "--image-size", "32", "--batch-size", "16", "--skip-suite",
    "--speed-n-people", "7", "--speed-epochs", "2", "--speed-steps", "1", "--speed-warmup", "0",
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One tiny ``make bench`` (no suite) into a temporary folder.

    One torch thread: on a shared 2-core machine, two threads competing with other
    processes make these tiny steps several times slower.
    """
    import torch

    out = tmp_path_factory.mktemp("bench")
    argv = [*TINY, "--cache-dir", str(out / "cache"), "--out", str(out)]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert run.main(argv) == 0
    finally:
        torch.set_num_threads(threads)
    return out


def test_results_json_shape(tiny_run):
    res = json.loads((tiny_run / "results.json").read_text())
    assert res["command"].startswith("python -m benchmarks.run --shifts 0")
    assert set(res["machine"]) >= {"cpu", "threads", "torch", "date"}
    rows = res["accuracy"]
    # source-only once, evaluated at both shifts; DANN and the oracle per shift
    assert {(r["shift"], r["method"]) for r in rows} == {
        (s, m) for s in (0.0, DEFAULT_SHIFT) for m in ("source_only", "dann", "target_oracle")
    }
    for r in rows:
        assert set(r) >= {"shift", "method", "seed", "target_test_acc", "source_test_acc"}
        assert 0.0 <= r["target_test_acc"] <= 1.0
    so = [r for r in rows if r["method"] == "source_only"]
    assert {r["trained_at_shift"] for r in so} == {0.0}
    assert len({r["source_test_acc"] for r in so}) == 1  # same men test set at every shift
    assert len(res["trainings"]) == 5
    summ = res["accuracy_summary"]
    assert len(summ) == 6 and all(e["n_seeds"] == 1 for e in summ)
    assert {g["shift"] for g in res["gap_recovered"]} == {0.0, DEFAULT_SHIFT}
    cal = res["calibration"]
    assert cal["default_shift"] == DEFAULT_SHIFT and len(cal["checks"]) == 4
    assert all(c["passed"] in (True, False, None) for c in cal["checks"])
    sp = res["speed"]
    for key in ("source_only_images_per_s", "dann_images_per_s", "compute_limit_images_per_s"):
        assert sp[key] > 0
    for key in ("pipeline_overhead", "dann_step_cost_ratio", "dann_step_cost_ratio_real"):
        assert math.isfinite(sp[key])
    assert sp["goals"]["pipeline_overhead"]["goal"] == "<= 0.1"
    assert "notebook_suite_seconds" in res


def test_markdown_and_figure(tiny_run):
    md = (tiny_run / "results.md").read_text()
    assert (tiny_run / "accuracy_vs_shift.png").stat().st_size > 1000
    assert "![](accuracy_vs_shift.png)" in md
    assert "GPU figures: not yet measured (no GPU was available to this run)" in md
    for heading in ("## Accuracy", "## Calibration checks", "## Speed", "## Notebook suite"):
        assert heading in md
    assert "python -m benchmarks.run --shifts 0" in md
    snippet = report.readme_snippet(json.loads((tiny_run / "results.json").read_text()))
    assert snippet.startswith("## Results") and "benchmarks/results.md" in snippet


def test_rerun_merges_and_keeps_parts(tiny_run, monkeypatch):
    """Skipping parts keeps their numbers; the suite's time is recorded when it runs."""
    import dannlib.suite

    before = json.loads((tiny_run / "results.json").read_text())
    monkeypatch.setattr(dannlib.suite, "run_suite", lambda params, name: {"suite_seconds": 30.0})
    argv = ["--skip-accuracy", "--skip-speed", "--suite-name", "pytest-bench-not-created"]
    assert run.main([*argv, "--out", str(tiny_run)]) == 0
    after = json.loads((tiny_run / "results.json").read_text())
    assert after["accuracy"] == before["accuracy"] and after["speed"] == before["speed"]
    assert after["notebook_suite_seconds"] == 30.0
    assert "**30 s**" in (tiny_run / "results.md").read_text()
    assert not (ROOT / "runs" / "pytest-bench-not-created").exists()


def _rows(values: dict[tuple[float, str, int], float]) -> list[dict]:
    return [
        {"shift": s, "method": m, "seed": k, "target_test_acc": v, "source_test_acc": 0.95,
         "gap": 0.95 - v}
        for (s, m, k), v in values.items()
    ]  # fmt: skip


def test_aggregation_and_calibration_logic():
    acc = {}
    for seed, (so, dann, oracle) in enumerate([(0.60, 0.80, 0.94), (0.62, 0.78, 0.92)]):
        acc.update({(DEFAULT_SHIFT, "source_only", seed): so, (DEFAULT_SHIFT, "dann", seed): dann,
                    (DEFAULT_SHIFT, "target_oracle", seed): oracle})  # fmt: skip
        acc.update({(0.0, "source_only", seed): 0.90, (0.0, "dann", seed): 0.91,
                    (0.0, "target_oracle", seed): 0.93})  # fmt: skip
    rows = _rows(acc)
    summ = summarise(rows)
    e = next(x for x in summ if x["shift"] == DEFAULT_SHIFT and x["method"] == "dann")
    assert e["target_test_acc_mean"] == pytest.approx(0.79)
    assert e["target_test_acc_std"] == pytest.approx(math.sqrt(2 * 0.01**2))
    gaps = gap_recovery(rows)
    g = next(x for x in gaps if x["shift"] == DEFAULT_SHIFT)
    assert g["per_seed"]["0"] == pytest.approx(0.2 / 0.34)
    assert g["from_means"] == pytest.approx((0.79 - 0.61) / (0.93 - 0.61))
    cal = calibration_checks(summ, gaps)
    assert [c["passed"] for c in cal["checks"]] == [True, True, True, True]
    assert cal["all_passed"] is True
    # an oracle below 90 % fails its check; a missing shift 0 is "not measured"
    rows2 = [r for r in rows if r["shift"] == DEFAULT_SHIFT]
    for r in rows2:
        if r["method"] == "target_oracle":
            r["target_test_acc"] = 0.85
    cal2 = calibration_checks(summarise(rows2), gap_recovery(rows2))
    assert cal2["checks"][0]["passed"] is False and cal2["checks"][3]["passed"] is None
    assert cal2["all_passed"] is False  # one failure fails the lot, even with one unmeasured


def test_merge_rows_replaces_same_key():
    old = _rows({(0.0, "dann", 0): 0.5, (0.0, "dann", 1): 0.6})
    new = _rows({(0.0, "dann", 1): 0.7, (0.5, "dann", 0): 0.4})
    merged = merge_rows(old, new)
    assert [(r["shift"], r["seed"], r["target_test_acc"]) for r in merged] == [
        (0.0, 0, 0.5), (0.0, 1, 0.7), (0.5, 0, 0.4),
    ]  # fmt: skip


def test_markdown_includes_gpu_results_when_present(tmp_path):
    """A gpu_results.json next to results.json is shown (numbers here are test fixtures)."""
    gpu = {
        "gpu": "Test GPU 1",
        "torch": "x",
        "cuda": "y",
        "date": "d",
        "resnet18": {"backbone": "resnet18", "image_size": 96, "amp_dtype": "bfloat16",
                     "channels_last": True, "compile": False, "epochs": 3,
                     "images_per_s": 1234.0, "target_test_acc": 0.5, "source_test_acc": 0.6},
    }  # fmt: skip
    (tmp_path / "gpu_results.json").write_text(json.dumps(gpu))
    report.write_reports({"command": "make bench"}, tmp_path)
    md = (tmp_path / "results.md").read_text()
    assert "Test GPU 1" in md and "1234" in md and "not yet measured" not in md


def test_gpu_check_refuses_without_cuda(tmp_path):
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OUT": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu_check.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "no CUDA GPU visible; this check needs one" in proc.stderr
    assert not (tmp_path / "gpu_results.json").exists()
