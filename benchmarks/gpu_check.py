"""A short check of dannlib on a CUDA GPU (about 2-4 minutes; run by ``gpu_check.sh``).

``python benchmarks/gpu_check.py [--compile] [--image-size 96] [--epochs 10]``

1. DANN with the ResNet-18 backbone (random initialisation, offline) on SynthFaces at
   ``--image-size`` px, ``device="cuda"``, bf16 autocast (fp16 where bf16 is missing),
   channels_last: throughput from the history, women/men test accuracy.
2. DANN with the default small CNN at 48 px, same settings (throughput, accuracy).
3. With ``--compile``: the same small-CNN run wrapped in ``torch.compile``.

Throughput is the median ``images_per_s`` of epochs 2.. (epoch 1 is warm-up; it also
holds compilation). SynthFaces is generated in memory (no cache files are written).
Results go to ``$OUT/gpu_results.json`` if ``OUT`` is set, else ``benchmarks/gpu_results.json``;
the file is rewritten after each part, so a run cut short keeps what it measured.
Exits with status 2 and says so when no CUDA GPU is visible.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NO_GPU = "no CUDA GPU visible; this check needs one"


def output_path() -> Path:
    """``$OUT/gpu_results.json`` if ``OUT`` is set, else ``benchmarks/gpu_results.json``."""
    out = os.environ.get("OUT")
    return (Path(out) if out else ROOT / "benchmarks") / "gpu_results.json"


def _write(results: dict) -> None:
    path = output_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


def _run(ds, backbone: str, epochs: int, compile_: bool) -> dict:
    """Train DANN on the GPU and report throughput and test accuracy."""
    import torch

    from dannlib.experiment import report
    from dannlib.training import train

    torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    res = train(
        ds,
        method="dann",
        backbone=backbone,
        epochs=epochs,
        device="cuda",
        amp=True,
        channels_last=True,
        compile=compile_,
        progress=False,
        seed=0,
    )
    seconds = time.perf_counter() - t
    ips = [h["images_per_s"] for h in res.history[1:]] or [res.history[0]["images_per_s"]]
    m = report(res, ds)
    return {
        "backbone": backbone,
        "image_size": int(ds.image_shape[-1]),
        "epochs": epochs,
        "batch_size": res.config.batch_size,
        "amp": True,
        "amp_dtype": "bfloat16" if torch.cuda.is_bf16_supported() else "float16",
        "channels_last": True,
        "compile": compile_,
        "images_per_s": statistics.median(ips),
        "images_per_s_per_epoch": [round(h["images_per_s"], 1) for h in res.history],
        "first_epoch_seconds": round(res.history[0]["seconds"], 2),
        "train_seconds": round(seconds, 2),
        "target_test_acc": m["target_test_acc"],
        "source_test_acc": m["source_test_acc"],
        "peak_memory_mib": round(torch.cuda.max_memory_allocated() / 2**20, 1),
        "train_images_per_domain": len(ds.get(ds.source, "train")),
    }


def _show(name: str, r: dict) -> None:
    print(
        f"{name}: {r['images_per_s']:.0f} img/s (per epoch {r['images_per_s_per_epoch']}), "
        f"women test {r['target_test_acc']:.3f}, men test {r['source_test_acc']:.3f}, "
        f"{r['train_seconds']:.0f} s, peak memory {r['peak_memory_mib']:.0f} MiB",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the check; 0 on success, 2 without a CUDA GPU, 1 if a part failed."""
    p = argparse.ArgumentParser(
        prog="python benchmarks/gpu_check.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--image-size", type=int, default=96, help="ResNet-18 image size (96 or 64)")
    p.add_argument("--epochs", type=int, default=10, help="ResNet-18 DANN epochs")
    p.add_argument("--small-epochs", type=int, default=5, help="small-CNN DANN epochs")
    p.add_argument("--n-people", type=int, default=100, help="SynthFaces people per domain")
    p.add_argument("--compile", action="store_true", help="also time the small CNN compiled")
    p.add_argument(
        "--budget-s", type=float, default=270, help="skip parts that would start after this"
    )
    args = p.parse_args(argv)
    t0 = time.perf_counter()

    try:
        import torch
    except ImportError:
        print(
            "error: torch is not installed; install the repository (pip install -e .)",
            file=sys.stderr,
        )
        return 2
    if not torch.cuda.is_available():
        print(NO_GPU, file=sys.stderr)
        return 2
    try:
        import dannlib  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT))
    from dannlib.synthfaces import make_synthfaces

    name = torch.cuda.get_device_name(0)
    print(f"GPU: {name} (torch {torch.__version__}, CUDA {torch.version.cuda})", flush=True)
    results: dict = {
        "gpu": name,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(
            ["python benchmarks/gpu_check.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "settings": vars(args),
    }
    _write(results)
    status = 0
    parts: list[tuple[str, int, str, int, bool]] = [
        ("resnet18", args.image_size, "resnet18", args.epochs, False),
        ("small_cnn", 48, "small_cnn", args.small_epochs, False),
    ]
    if args.compile:
        parts.append(("small_cnn_compiled", 48, "small_cnn", args.small_epochs, True))
    datasets: dict[int, object] = {}
    for key, size, backbone, epochs, compile_ in parts:
        if time.perf_counter() - t0 > args.budget_s:
            results[key] = {"error": f"skipped: the {args.budget_s:.0f} s budget was used up"}
            print(f"{key}: skipped (budget)", flush=True)
            _write(results)
            continue
        try:
            if size not in datasets:
                t = time.perf_counter()
                datasets[size] = make_synthfaces(
                    n_people=args.n_people, image_size=size, seed=0, cache_dir=None
                )
                print(
                    f"SynthFaces {size}px generated in {time.perf_counter() - t:.0f} s", flush=True
                )
            results[key] = _run(datasets[size], backbone, epochs, compile_)
            _show(key, results[key])
        except Exception as exc:  # keep the other parts; say what failed
            results[key] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"{key}: failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            status = 1
        _write(results)
    results["seconds"] = round(time.perf_counter() - t0, 1)
    _write(results)
    print(f"wrote {output_path()} ({results['seconds']:.0f} s)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
