"""``make bench``: ``python -m benchmarks.run [--full] [--seeds ...] [--shifts ...] ...``.

Runs the parts in this order, writing ``results.json``, ``results.md`` and
``accuracy_vs_shift.png`` into ``--out`` (default ``benchmarks/``) after each part:

1. speed (CPU throughput; a few minutes), then an estimate of the accuracy grid's time;
2. accuracy (source-only, DANN and the oracle over shifts x seeds);
3. the notebook suite's wall time (every notebook, default parameters, from scratch).

An existing ``results.json`` is merged into: parts that are skipped keep their old
numbers, and accuracy rows are merged per (shift, method, seed) when the settings
(epochs, dataset options, training configuration) are the same, so that a part, a
shift or a seed can be rerun on its own.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import re
import shlex
import shutil
import sys
import time
from pathlib import Path

__all__ = ["main", "machine_info", "merge_accuracy", "describe_command", "DEFAULT_OUT"]

DEFAULT_OUT = Path(__file__).resolve().parent


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    """CPU model, cores, torch threads and version, Python, platform, GPU (if any), date."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "gpu": gpu,
        "date": _now(),
    }


def describe_command(argv: list[str]) -> str:
    """The command as a reader would retype it (``make bench`` for the defaults)."""
    if not argv:
        return "make bench"
    if argv == ["--full"]:
        return "make bench-full"
    return "python -m benchmarks.run " + shlex.join(argv)


def _clean(obj):
    """Replace NaN/inf by ``None`` so that ``results.json`` is strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def _same_settings(a: dict, b: dict) -> bool:
    keys = ("epochs", "dataset_kwargs", "train_config")
    return all(a.get(k) == b.get(k) for k in keys)


def merge_accuracy(results: dict, new: dict, log=print) -> dict:
    """Merge a :func:`benchmarks.accuracy.run_accuracy` result into ``results``.

    Rows with the same (shift, method, seed) are replaced; other old rows are kept only
    when the old settings match the new ones. Summary, gap recovery and calibration are
    recomputed from the merged rows.
    """
    from .accuracy import calibration_checks, gap_recovery, merge_rows, summarise

    old_settings = results.get("accuracy_settings")
    settings = dict(new["settings"])
    old_rows, old_trainings = results.get("accuracy", []), results.get("trainings", [])
    if old_rows and old_settings and not _same_settings(old_settings, settings):
        log("accuracy: settings differ from the existing results.json; replacing its rows.")
        old_rows, old_trainings = [], []
    rows = merge_rows(old_rows, new["accuracy"])
    keep = {(t["method"], t["seed"], t["shift"]): t for t in old_trainings}
    keep.update({(t["method"], t["seed"], t["shift"]): t for t in new["trainings"]})
    settings["shifts"] = sorted({r["shift"] for r in rows})
    settings["seeds"] = sorted({r["seed"] for r in rows})
    if old_rows and old_settings:
        settings["devices"] = sorted(
            set(old_settings.get("devices", [])) | set(settings["devices"])
        )
    summary = summarise(rows)
    gaps = gap_recovery(rows)
    results.update(
        {
            "accuracy": rows,
            "accuracy_summary": summary,
            "gap_recovered": gaps,
            "calibration": calibration_checks(summary, gaps),
            "accuracy_settings": settings,
            "trainings": sorted(keep.values(), key=lambda t: (t["seed"], t["method"], t["shift"])),
        }
    )
    return results


def _write(results: dict, out: Path) -> None:
    from .report import load_gpu_results, write_reports

    out.mkdir(parents=True, exist_ok=True)
    results["gpu"] = load_gpu_results(out)  # from benchmarks/gpu_check.py, if present
    tmp = out / "results.json.tmp"
    tmp.write_text(json.dumps(_clean(results), indent=2) + "\n")
    tmp.replace(out / "results.json")
    write_reports(_clean(results), out)


def _parse_list(values: list[str] | None, kind):
    if values is None:
        return None
    out = []
    for v in values:
        out += [kind(x) for x in v.replace(",", " ").split()]
    return out


def _fmt_duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (see ``python -m benchmarks.run --help``)."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="dannlib benchmarks: accuracy across shifts, CPU speed, notebook suite time. "
        "Writes results.json, results.md and accuracy_vs_shift.png.",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="larger grid: shifts 0, 0.25, 0.5, 0.75, 1 (+ default) and seeds 0-4",
    )
    p.add_argument("--seeds", nargs="+", help="training (= dataset) seeds, e.g. 0 1 2 or 0,1,2")
    p.add_argument("--shifts", nargs="+", help="imaging shifts in [0, 1]; the default is added")
    p.add_argument(
        "--epochs", type=int, help="override TrainConfig.epochs (default: the calibrated default)"
    )
    p.add_argument("--skip-accuracy", action="store_true", help="do not run the accuracy grid")
    p.add_argument("--skip-speed", action="store_true", help="do not run the speed benchmark")
    p.add_argument("--skip-suite", action="store_true", help="do not time the notebook suite")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: benchmarks/)"
    )
    p.add_argument(
        "--estimate-only",
        action="store_true",
        help="run the speed part (or reuse it with --skip-speed) and print the estimated "
        "time of the accuracy grid and the notebook suite; train nothing else",
    )
    dev = p.add_argument_group("development (small runs; the defaults are the benchmark)")
    dev.add_argument("--n-people", type=int, help="SynthFaces people per domain (accuracy)")
    dev.add_argument("--images-per-emotion", type=int, help="SynthFaces images per emotion")
    dev.add_argument("--image-size", type=int, help="SynthFaces image size (accuracy and speed)")
    dev.add_argument("--batch-size", type=int, help="TrainConfig.batch_size (accuracy and speed)")
    dev.add_argument(
        "--cache-dir",
        help="SynthFaces cache folder (default: none; datasets are generated in memory)",
    )
    dev.add_argument("--device", help="accuracy training device (default: TrainConfig's 'auto')")
    dev.add_argument("--speed-n-people", type=int, default=40, help="people per domain (speed)")
    dev.add_argument("--speed-epochs", type=int, default=4, help="real-path epochs (speed)")
    dev.add_argument("--speed-steps", type=int, default=30, help="timed compute-limit steps")
    dev.add_argument("--speed-warmup", type=int, default=5, help="untimed compute-limit steps")
    dev.add_argument("--suite-name", default="bench", help="run name of the notebook suite")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the selected parts and write the reports; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.estimate_only:
        args.skip_accuracy = args.skip_suite = True
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", args.suite_name):
        print(
            f"error: --suite-name {args.suite_name!r} must be a plain folder name", file=sys.stderr
        )
        return 2
    from .accuracy import DEFAULT_SEEDS, DEFAULT_SHIFTS, FULL_SEEDS, FULL_SHIFTS, shift_grid

    shifts = _parse_list(args.shifts, float) or list(FULL_SHIFTS if args.full else DEFAULT_SHIFTS)
    seeds = _parse_list(args.seeds, int) or list(FULL_SEEDS if args.full else DEFAULT_SEEDS)
    grid = shift_grid(shifts)
    out: Path = args.out
    command = describe_command(argv)
    shared_data: dict = {
        k: v
        for k, v in {
            "images_per_emotion": args.images_per_emotion,
            "image_size": args.image_size,
        }.items()
        if v is not None
    }
    shared_data["cache_dir"] = args.cache_dir  # None: generate in memory, write no cache files
    data_kwargs = {**shared_data, **({"n_people": args.n_people} if args.n_people else {})}
    overrides = {
        k: v for k, v in {"batch_size": args.batch_size, "device": args.device}.items() if v
    }
    results: dict = {}
    if (out / "results.json").is_file():
        results = json.loads((out / "results.json").read_text())
        print(f"merging into the existing {out / 'results.json'}")
    machine = machine_info()
    results.setdefault("command", command)
    results.setdefault("machine", machine)
    results.setdefault("sections", {})
    results.setdefault("notebook_suite_seconds", None)
    status = 0

    def done(part: str, seconds: float) -> None:
        results.update({"command": command, "machine": machine})
        results["sections"][part] = {
            "command": command,
            "date": _now(),
            "seconds": round(seconds, 1),
        }
        _write(results, out)

    if not args.skip_speed:
        from .speed import run_speed

        print("== speed (CPU)", flush=True)
        t = time.perf_counter()
        results["speed"] = run_speed(
            n_people=args.speed_n_people,
            epochs=args.speed_epochs,
            warmup=args.speed_warmup,
            steps=args.speed_steps,
            dataset_kwargs=shared_data,
            config_overrides={"batch_size": args.batch_size} if args.batch_size else None,
        )
        done("speed", time.perf_counter() - t)
        sp = results["speed"]
        print(
            f"speed: pipeline overhead {sp['pipeline_overhead']:.1%} (goal <= 10%), "
            f"DANN step cost ratio {sp['dann_step_cost_ratio']:.2f} (goal <= 1.3)"
        )

    if results.get("speed") and (args.estimate_only or not args.skip_accuracy):
        from .speed import estimate_accuracy_seconds

        sp = results["speed"]
        kw = {"n_people": args.n_people or 100, "images_per_emotion": args.images_per_emotion or 6}
        acc_s = estimate_accuracy_seconds(sp, len(grid), len(seeds), args.epochs, **kw)
        suite_s = estimate_accuracy_seconds(sp, 1, 1, None)  # the notebooks train 3 models
        results["estimate"] = {
            "accuracy_seconds": round(acc_s),
            "suite_training_seconds": round(suite_s),
            "shifts": grid,
            "seeds": seeds,
            "basis": f"CPU throughput of the speed part ({sp.get('seconds', '?')} s run)",
        }
        print(
            f"estimate: accuracy grid ({len(grid)} shifts x {len(seeds)} seeds, "
            f"{len(seeds) * (1 + 2 * len(grid))} trainings) ~{_fmt_duration(acc_s)}; notebook "
            f"suite ~{_fmt_duration(suite_s)} of training plus kernels, t-SNE and plots "
            "(at the throughput measured by the speed part)",
            flush=True,
        )
    if args.estimate_only:
        if not results.get("speed"):
            print("no speed results to estimate from; run without --skip-speed", file=sys.stderr)
            return 2
        _write(results, out)
        return 0

    if not args.skip_accuracy:
        from .accuracy import run_accuracy

        print(f"== accuracy: shifts {grid}, seeds {seeds}", flush=True)
        t = time.perf_counter()
        new = run_accuracy(
            shifts=grid,
            seeds=seeds,
            epochs=args.epochs,
            dataset_kwargs=data_kwargs,
            config_overrides=overrides,
        )
        merge_accuracy(results, new)
        done("accuracy", time.perf_counter() - t)
        for c in results["calibration"]["checks"]:
            verdict = {True: "pass", False: "FAIL", None: "not measured"}[c["passed"]]
            value = "n/a" if c["value"] is None else f"{c['value']:.3f}"
            print(f"calibration: {c['description']}: {value} (goal {c['goal']}): {verdict}")

    if not args.skip_suite:
        from dannlib.suite import ROOT, run_suite

        run_dir = ROOT / "runs" / args.suite_name
        if run_dir.exists():
            print(f"removing the previous {run_dir} so that the suite runs from scratch")
            shutil.rmtree(run_dir)
        print(f"== notebook suite -> runs/{args.suite_name}", flush=True)
        t = time.perf_counter()
        info = {"name": args.suite_name, "run_dir": f"runs/{args.suite_name}", "parameters": {}}
        try:
            summary = run_suite({}, name=args.suite_name)
            results["notebook_suite_seconds"] = summary.get(
                "suite_seconds", round(time.perf_counter() - t, 1)
            )
        except (Exception, SystemExit) as exc:  # report the failure, keep the other parts
            info["error"] = str(exc)
            results["notebook_suite_seconds"] = None
            status = 1
            print(f"notebook suite failed: {exc}", file=sys.stderr)
        results["notebook_suite"] = info
        done("suite", time.perf_counter() - t)

    _write(results, out)
    print(f"wrote {out / 'results.json'}, {out / 'results.md'}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
