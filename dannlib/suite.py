"""Run the teaching notebooks headlessly with papermill: ``make run`` (see the README).

``python -m dannlib.suite [name=value ...] [--name RUN] [--commit]``

* Executes ``notebooks/0*.ipynb`` in order, with the given parameters, into
  ``runs/<RUN>/`` (default ``runs/latest/``): executed notebooks, figures,
  checkpoints and ``summary.json``; then prints the results table.
* Refuses unknown or mistyped parameters and lists the valid ones (papermill
  itself only warns).
* ``--commit`` re-executes with the defaults and writes the cleaned outputs back
  into ``notebooks/`` (what is committed for students to read).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

__all__ = [
    "ROOT",
    "NOTEBOOK_DIR",
    "notebook_paths",
    "notebook_parameters",
    "parse_parameters",
    "run_notebook",
    "run_suite",
    "clean_notebook",
    "main",
]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"


def notebook_paths(notebook_dir: Path = NOTEBOOK_DIR) -> list[Path]:
    """The numbered notebooks, in teaching order."""
    paths = sorted(p for p in notebook_dir.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"No notebooks found in {notebook_dir}.")
    return paths


def notebook_parameters(path: Path) -> dict[str, dict]:
    """The ``parameters`` cell of ``path``: name -> {type, default, help} (via papermill)."""
    import papermill as pm

    return {
        name: {"type": p["inferred_type_name"], "default": p["default"], "help": p["help"]}
        for name, p in pm.inspect_notebook(str(path)).items()
    }


def _convert(name: str, raw: str, type_name: str):
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if type_name == "bool":
            low = raw.strip().lower()
            if low not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return low in ("true", "1", "yes")
    except ValueError:
        raise ValueError(f"Parameter {name}={raw!r} is not a valid {type_name}.") from None
    return raw


def parse_parameters(pairs: list[str], valid: dict[str, dict]) -> dict:
    """Turn ``["epochs=30", "device=cuda"]`` into typed values; refuse unknown names."""
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"Parameter {pair!r} must look like name=value, e.g. epochs=30.")
        name, raw = pair.split("=", 1)
        name = name.strip()
        if name not in valid:
            import difflib

            close = difflib.get_close_matches(name, valid, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"Unknown parameter {name!r}.{hint} Valid parameters: " + ", ".join(sorted(valid))
            )
        out[name] = _convert(name, raw, valid[name]["type"])
    return out


def clean_notebook(path: Path) -> None:
    """Strip papermill metadata and per-cell timing, keep outputs and execution counts."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            raise ValueError(f"{path} has injected parameters; commit only default runs.")
    nbformat.write(nb, path)


def run_notebook(path: Path, output: Path, parameters: dict, progress: bool = True) -> Path:
    """Execute one notebook with papermill (kernel ``python3``, cwd = the notebook folder)."""
    import papermill as pm

    declared = notebook_parameters(path)
    own = {k: v for k, v in parameters.items() if k in declared}
    output.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        str(path),
        str(output),
        parameters=own,
        kernel_name="python3",
        cwd=str(path.parent),
        progress_bar=progress,
        log_output=False,
    )
    return output


def run_suite(
    parameters: dict | None = None,
    name: str = "latest",
    notebooks: list[Path] | None = None,
    progress: bool = True,
    commit: bool = False,
) -> dict:
    """Execute every notebook in order; return ``summary.json`` (with ``suite_seconds``)."""
    paths = notebooks or notebook_paths()
    parameters = dict(parameters or {})
    run_dir = ROOT / "runs" / name
    default_out = notebook_parameters(paths[0])["output_dir"]["default"].strip("\"'")
    wanted = os.path.relpath(run_dir, paths[0].parent)
    if "output_dir" not in parameters and wanted != default_out:
        parameters["output_dir"] = wanted  # only injected when it differs from the default
    out_dir = (paths[0].parent / parameters.get("output_dir", default_out)).resolve()
    t0 = time.perf_counter()
    for path in paths:
        t = time.perf_counter()
        target = out_dir / "notebooks" / path.name
        print(f"== {path.name} -> {os.path.relpath(target, ROOT)}", flush=True)
        try:
            run_notebook(path, target, parameters, progress=progress)
        except Exception as exc:
            print(f"!! {path.name} failed; the partly executed notebook is {target}", flush=True)
            raise SystemExit(f"{type(exc).__name__}: {exc}") from None
        if commit:  # the committed copy: cleaned, and back in notebooks/
            clean_notebook(target)
            shutil.copyfile(target, path)
        print(f"   done in {time.perf_counter() - t:.0f} s", flush=True)
    seconds = time.perf_counter() - t0
    summary_path = out_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    summary["suite_seconds"] = round(seconds, 1)
    if summary_path.is_file():
        summary_path.write_text(json.dumps(summary, indent=2))
    return summary


def _print_results(summary: dict, out_dir: str) -> None:
    from .experiment import results_table

    print()
    print(results_table(summary).to_string() if summary.get("methods") else "(no results)")
    pad = summary.get("proxy_a_distance")
    if pad:
        print(
            "proxy A-distance (features, men vs women):",
            ", ".join(f"{k}={v:.2f}" for k, v in pad.items()),
        )
    if "gap_recovered" in summary:
        print(
            f"share of the source-only -> oracle gap recovered by DANN: "
            f"{summary['gap_recovered']:.0%}"
        )
    print("target accuracies use the women's test labels for reporting only.")
    print(f"suite wall time: {summary.get('suite_seconds', 0):.0f} s; results in {out_dir}/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dannlib.suite",
        description="Execute the dannlib notebooks with papermill. Parameters are name=value "
        "pairs, e.g. dataset=kdef data_dir=data/KDEF epochs=30 device=cuda.",
    )
    parser.add_argument("params", nargs="*", help="name=value notebook parameters")
    parser.add_argument("--name", default="latest", help="run name: writes runs/<name>/")
    parser.add_argument("--list", action="store_true", help="list the parameters and exit")
    parser.add_argument(
        "--commit",
        action="store_true",
        help="execute with defaults and write cleaned outputs into notebooks/",
    )
    args = parser.parse_args(argv)
    valid: dict[str, dict] = {}
    for path in notebook_paths():
        valid.update(notebook_parameters(path))
    if args.list:
        for k, v in valid.items():
            print(f"{k:14s} {v['type']:6s} default {v['default']:<18s} {v['help']}")
        return 0
    try:
        params = parse_parameters(args.params, valid)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.commit and params:
        print("error: --commit runs the defaults only; drop the parameters.", file=sys.stderr)
        return 2
    summary = run_suite(params, name=args.name, commit=args.commit)
    _print_results(summary, f"runs/{args.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
