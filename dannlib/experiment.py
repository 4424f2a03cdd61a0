"""The notebooks' shared workflow: load data, train or reuse, report, summarise.

Introduced in notebook 02 and used by every notebook after it, so that each
notebook runs standalone: it reuses the checkpoints and metrics that earlier
notebooks left in ``output_dir`` and trains only what is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .config import TrainConfig
from .datasets import DomainDataset
from .evaluate import evaluate
from .training import TrainResult, train

__all__ = [
    "DATASETS",
    "load_dataset",
    "dataset_fingerprint",
    "checkpoint_path",
    "train_or_load",
    "report",
    "update_summary",
    "read_summary",
    "gap_recovered",
    "results_table",
]

DATASETS: tuple[str, ...] = ("synthfaces", "kdef", "folders", "csv")


def load_dataset(
    dataset: str = "synthfaces",
    data_dir: str | Path | None = None,
    image_size: int = 48,
    seed: int = 0,
    source: str = "men",
    target: str = "women",
    shift: float | None = None,
    n_people: int | None = None,
    verbose: bool = True,
    **kwargs,
) -> DomainDataset:
    """Load one of :data:`DATASETS` with the same API for synthetic and real faces.

    Parameters
    ----------
    dataset : str
        ``"synthfaces"`` (built in, the default), ``"kdef"`` (a KDEF/AKDEF folder),
        ``"folders"`` (``root/{Male,Female}/{train,val}/<Emotion>/*``) or ``"csv"``
        (a manifest with ``path,emotion,domain[,subject,split]``).
    data_dir : path
        The dataset's folder (or CSV file, or a folder holding one CSV). Ignored for
        SynthFaces, whose cache lives under ``data/cache``.
    shift, n_people : optional
        SynthFaces only: imaging shift of the target domain in [0, 1], people per domain.
    kwargs
        Passed on to the loader (e.g. ``angles=("S",)`` for KDEF, ``on_error="skip"``).
    """
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}. Use one of {list(DATASETS)}.")
    if dataset == "synthfaces":
        from .synthfaces import make_synthfaces

        extra = dict(kwargs)
        if shift is not None:
            extra["shift"] = shift
        if n_people is not None:
            extra["n_people"] = n_people
        ds = make_synthfaces(
            image_size=image_size, seed=seed, source=source, target=target, **extra
        )
    else:
        if not data_dir:
            raise ValueError(
                f"dataset={dataset!r} needs data_dir: the folder (or CSV file) holding it, "
                "e.g. data_dir='data/KDEF'. See data/README.md."
            )
        from .realdata import load_real_dataset

        kwargs.setdefault("progress", True)  # decoding a folder of photos takes a while
        ds = load_real_dataset(
            dataset,
            data_dir,
            image_size=image_size,
            source=source,
            target=target,
            seed=seed,
            verbose=False,
            **kwargs,
        )
    if verbose:
        print(ds.summary())
    return ds


def dataset_fingerprint(ds: DomainDataset) -> dict:
    """Plain facts that identify a dataset: name, domains, shape, counts, loader params."""
    info = {
        k: v
        for k, v in ds.info.items()
        if isinstance(v, (int, float, str, bool)) and "cache" not in k
    }
    counts = {f"{d}/{s}": len(fs) for (d, s), fs in sorted(ds.sets.items())}
    return {
        "dataset": ds.name,
        "source": ds.source,
        "target": ds.target,
        "image_shape": list(ds.image_shape),
        "counts": counts,
        **info,
    }


def checkpoint_path(output_dir: str | Path, method: str) -> Path:
    """Where a method's checkpoint lives: ``output_dir/checkpoints/<method>.pt``."""
    return Path(output_dir) / "checkpoints" / f"{method}.pt"


def train_or_load(
    method: str,
    dataset: DomainDataset,
    output_dir: str | Path,
    config: TrainConfig,
    retrain: bool = False,
) -> TrainResult:
    """Reuse ``output_dir``'s checkpoint of ``method`` if it matches, otherwise train.

    A checkpoint matches when it was made with the same configuration and the same
    dataset; a complete one is loaded without training, an interrupted one resumes.
    Anything else is moved aside (``*.stale.pt``) with a message, and training starts
    afresh: nothing is overwritten silently.
    """
    from .checkpoint import load_checkpoint

    cfg = TrainConfig(**{**config.to_dict(), "method": method}).validate()
    path = checkpoint_path(output_dir, method)
    fp = dataset_fingerprint(dataset)
    if path.is_file():
        state = load_checkpoint(path)
        same = state["config"] == cfg.to_dict() and state.get("data_info") == fp
        if retrain or not same:
            stale = path.with_suffix(".stale.pt")
            path.replace(stale)
            why = "retrain=True" if retrain else "it was made with other settings or data"
            print(f"Not reusing {path.name} ({why}); moved it to {stale.name}.")
        elif state["epoch"] >= cfg.epochs:
            print(f"Reusing {method} from {path.name} (trained earlier, {state['epoch']} epochs).")
    result = train(dataset, cfg, checkpoint_path=path, data_info=fp)
    return result


def report(result: TrainResult, dataset: DomainDataset) -> dict:
    """Test-set metrics of a trained model on both domains.

    The target's test labels are used here to **report** accuracy, after training
    is over; they never reach training or model selection.
    """
    out = {}
    for role, domain in (("source", dataset.source), ("target", dataset.target)):
        m = evaluate(result.model, dataset.get(domain, "test"))
        out[f"{role}_test"] = m
        out[f"{role}_test_acc"] = m["accuracy"]
    out["gap"] = out["source_test_acc"] - out["target_test_acc"]
    out["best_epoch"] = result.best_epoch
    out["train_seconds"] = round(result.seconds, 2)
    return out


def read_summary(output_dir: str | Path) -> dict:
    """``output_dir/summary.json`` as a dict (empty if it does not exist yet)."""
    path = Path(output_dir) / "summary.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def update_summary(
    output_dir: str | Path,
    dataset: DomainDataset,
    method: str | None = None,
    metrics: dict | None = None,
    **sections,
) -> dict:
    """Merge one method's metrics (and/or other top-level sections) into ``summary.json``.

    Each notebook adds what it measured; keys are fractions, never percentages.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = read_summary(out)
    if summary.get("fingerprint") not in (None, dataset_fingerprint(dataset)):
        summary = {}  # results of another dataset: start a fresh summary
    summary.update(
        {
            "dataset": dataset.name,
            "source": dataset.source,
            "target": dataset.target,
            "fingerprint": dataset_fingerprint(dataset),
        }
    )
    summary.setdefault("methods", {})
    if method is not None and metrics is not None:
        summary["methods"][method] = {
            "source_test_acc": metrics["source_test_acc"],
            "target_test_acc": metrics["target_test_acc"],
            "gap": metrics["gap"],
            "source_test_macro_f1": metrics["source_test"]["macro_f1"],
            "target_test_macro_f1": metrics["target_test"]["macro_f1"],
            "target_test_balanced_acc": metrics["target_test"]["balanced_accuracy"],
            "target_per_emotion_acc": metrics["target_test"]["per_emotion_accuracy"],
            "source_per_emotion_acc": metrics["source_test"]["per_emotion_accuracy"],
            "best_epoch": metrics["best_epoch"],
        }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(summary.get(key), dict):
            summary[key].update(value)
        else:
            summary[key] = value
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))
    return summary


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"{type(o)} is not JSON serialisable")


def gap_recovered(source_only: float, dann: float, oracle: float) -> float:
    """Share of the source-only -> oracle gap that DANN closes: ``(dann - so) / (oracle - so)``."""
    if oracle <= source_only:
        return float("nan")
    return (dann - source_only) / (oracle - source_only)


def results_table(summary: dict):
    """A pandas DataFrame of the methods in ``summary``: accuracy per domain and the gap."""
    import pandas as pd

    rows = []
    for method in ("source_only", "dann", "target_oracle"):
        m = summary.get("methods", {}).get(method)
        if m:
            rows.append(
                {
                    "method": method,
                    f"{summary['source']} (source) acc": round(m["source_test_acc"], 3),
                    f"{summary['target']} (target) acc": round(m["target_test_acc"], 3),
                    "gap (source - target)": round(m["gap"], 3),
                }
            )
    return pd.DataFrame(rows).set_index("method") if rows else pd.DataFrame()
