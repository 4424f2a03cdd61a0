"""Render ``results.json`` as ``results.md``, the accuracy-vs-shift figure and a README snippet.

Every number shown comes from ``results.json`` (or from a ``gpu_results.json`` written
by ``benchmarks/gpu_check.py``); a part that was not measured says so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

__all__ = [
    "NO_GPU_LINE",
    "METHOD_NAMES",
    "load_gpu_results",
    "plot_accuracy_vs_shift",
    "render_markdown",
    "readme_snippet",
    "write_reports",
]

NO_GPU_LINE = "GPU figures: not yet measured (no GPU was available to this run)"
METHOD_NAMES: dict[str, str] = {
    "source_only": "source-only",
    "dann": "DANN",
    "target_oracle": "target oracle",
}
_FIGURE = "accuracy_vs_shift.png"


def _ok(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _pct(x, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%" if _ok(x) else "n/a"


def _pm(mean, std) -> str:
    if not _ok(mean):
        return "n/a"
    return f"{100 * mean:.1f} ± {100 * std:.1f}" if _ok(std) else f"{100 * mean:.1f}"


def _verdict(passed) -> str:
    return {True: "**pass**", False: "**FAIL**"}.get(passed, "not measured")


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|")


def _num(x, fmt: str = "{:.0f}") -> str:
    return fmt.format(x) if _ok(x) else "n/a"


def load_gpu_results(out_dir: str | Path) -> dict | None:
    """``out_dir/gpu_results.json`` (written by ``gpu_check.py``), or ``None`` if absent."""
    path = Path(out_dir) / "gpu_results.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def plot_accuracy_vs_shift(results: dict, path: str | Path) -> Path | None:
    """Women (target) test accuracy against shift, one line per method, error bars = std.

    Source-only's accuracy on men (source test) is drawn dashed for reference.
    Returns the path, or ``None`` if there are no accuracy results.
    """
    summary = results.get("accuracy_summary") or []
    if not summary:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for method, name in METHOD_NAMES.items():
        pts = [e for e in summary if e["method"] == method and _ok(e["target_test_acc_mean"])]
        if not pts:
            continue
        ax.errorbar(
            [e["shift"] for e in pts],
            [e["target_test_acc_mean"] for e in pts],
            yerr=[e["target_test_acc_std"] or 0.0 for e in pts],
            marker="o",
            capsize=3,
            label=f"{name} (women test)",
        )
    so = [e for e in summary if e["method"] == "source_only" and _ok(e["source_test_acc_mean"])]
    if so:
        ax.errorbar(
            [e["shift"] for e in so],
            [e["source_test_acc_mean"] for e in so],
            yerr=[e["source_test_acc_std"] or 0.0 for e in so],
            linestyle="--",
            color="grey",
            capsize=3,
            label="source-only (men test)",
        )
    d = results.get("calibration", {}).get("default_shift")
    if d is not None:
        ax.axvline(d, color="lightgrey", linewidth=1, zorder=0)
    seeds = results.get("accuracy_settings", {}).get("seeds", [])
    ax.set_xlabel("imaging shift of the target domain (SynthFaces)")
    ax.set_ylabel("test accuracy")
    n = len(seeds)
    ax.set_title(f"Accuracy vs shift (mean ± std over {n} seed{'' if n == 1 else 's'})")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def _accuracy_section(results: dict) -> list[str]:
    summary = results.get("accuracy_summary") or []
    if not summary:
        return ["Not measured in this run (`--skip-accuracy`).", ""]
    s = results.get("accuracy_settings", {})
    cfg = s.get("train_config", {})
    counts = s.get("counts", {})
    lines = [
        f"SynthFaces, source = men (labelled), target = women (unlabelled); seeds "
        f"{', '.join(map(str, s.get('seeds', [])))} (dataset seed = training seed); "
        f"{cfg.get('epochs', '?')} epoch{'' if cfg.get('epochs') == 1 else 's'}"
        + (" (set with --epochs)" if s.get("epochs_overridden") else " (the default TrainConfig)")
        + f", backbone {cfg.get('backbone', '?')}, batch size {cfg.get('batch_size', '?')}, "
        f"device {', '.join(s.get('devices', [])) or cfg.get('device', '?')}. "
        f"Training images per domain: {counts.get('men/train', '?')}; "
        f"test images per domain: {counts.get('men/test', '?')}"
        + (f"; dataset options {s['dataset_kwargs']}" if s.get("dataset_kwargs") else "")
        + ". Source-only is trained once per seed (the men's data do not depend on the shift) "
        "and evaluated on every shift.",
        "",
        "Accuracy on the **women test set** (%, mean ± std over seeds), the men − women gap "
        "(percentage points) and the share of the source-only → oracle gap recovered by DANN:",
        "",
        "| shift | source-only | DANN | target oracle | gap source-only | gap DANN "
        "| gap recovered (mean of seeds) | gap recovered (from means) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by = {(e["shift"], e["method"]): e for e in summary}
    gaps = {g["shift"]: g for g in results.get("gap_recovered", [])}
    empty: dict = {}
    for shift in sorted({e["shift"] for e in summary}):
        cells = [
            _pm(
                by.get((shift, m), empty).get("target_test_acc_mean"),
                by.get((shift, m), empty).get("target_test_acc_std"),
            )
            for m in METHOD_NAMES
        ]
        gap_cells = [
            _pm(by.get((shift, m), empty).get("gap_mean"), by.get((shift, m), empty).get("gap_std"))
            for m in ("source_only", "dann")
        ]
        g = gaps.get(shift, {})
        rec = _pct(g.get("mean_of_seeds"), 0)
        if _ok(g.get("std_of_seeds")) and _ok(g.get("mean_of_seeds")):
            rec = f"{100 * g['mean_of_seeds']:.0f} ± {100 * g['std_of_seeds']:.0f}%"
        star = " (default)" if shift == results.get("calibration", {}).get("default_shift") else ""
        lines.append(
            f"| {shift:g}{star} | " + " | ".join(cells + gap_cells) + f" | {rec} | "
            f"{_pct(g.get('from_means'), 0)} |"
        )
    so = [e for e in summary if e["method"] == "source_only"]
    if so:
        lines += [
            "",
            f"Men (source) test accuracy of source-only: {_pm(so[0]['source_test_acc_mean'], so[0]['source_test_acc_std'])}%"
            " (identical at every shift).",
        ]
    lines += [
        "",
        "Target labels are used only to report these accuracies, never to train or to select "
        "a model.",
        "",
    ]
    return lines


def _calibration_section(results: dict) -> list[str]:
    cal = results.get("calibration")
    if not cal:
        return ["Not measured in this run.", ""]
    lines = ["| check | value | goal | result |", "|---|---:|---:|---|"]
    for c in cal["checks"]:
        goal_pct = c["goal"].split()[0] + " " + _pct(c["threshold"], 0)
        lines.append(
            f"| {_cell(c['description'])} | {_pct(c['value'])} | {goal_pct} | "
            f"{_verdict(c['passed'])} |"
        )
    dg = next((c for c in cal["checks"] if c["name"] == "dann_gap_recovered"), {})
    if _ok(dg.get("mean_of_seeds")):
        lines += ["", f"Gap recovered as the mean of per-seed values: {_pct(dg['mean_of_seeds'])}."]
    overall = cal.get("all_passed")
    lines += [
        "",
        "All calibration checks: "
        + {True: "pass", False: "**FAIL**"}.get(overall, "not all measured"),
        "",
    ]
    return lines


def _speed_section(results: dict) -> list[str]:
    sp = results.get("speed")
    if not sp:
        return ["Not measured in this run (`--skip-speed`).", ""]
    st = sp.get("settings", {})
    g = sp.get("goals", {})
    lines = [
        f"CPU (torch threads: {st.get('threads', '?')}), {st.get('backbone', '?')}, "
        f"{st.get('image_size', '?')} px, batch size {st.get('batch_size', '?')} per domain; "
        f"real = `dannlib.training.train` on SynthFaces ({st.get('train_images_per_domain', '?')} "
        f"training images per domain, {st.get('real_epochs', '?')} epochs, epoch 1 = warm-up, "
        "median of the rest); compute limit = the same steps on float tensors already in "
        "memory (no batching, no augmentation). Images/s counts every image through the "
        "network (a DANN step = source batch + target batch).",
        "",
        "| measure | value | goal | result |",
        "|---|---:|---:|---|",
        f"| real throughput, source-only | {_num(sp.get('source_only_images_per_s'))} img/s | | |",
        f"| real throughput, DANN | {_num(sp.get('dann_images_per_s'))} img/s | | |",
        f"| compute limit, source-only | {_num(sp.get('compute_limit_images_per_s'))} img/s | | |",
        f"| compute limit, DANN | {_num(sp.get('compute_limit_dann_images_per_s'))} img/s | | |",
    ]
    rows = [
        ("pipeline overhead, source-only (1 − real/limit)", "pipeline_overhead", _pct),
        ("pipeline overhead, DANN", "pipeline_overhead_dann", _pct),
        (
            "DANN step cost per image ÷ source-only's (compute limit)",
            "dann_step_cost_ratio",
            lambda x: _num(x, "{:.2f}"),
        ),
        (
            "DANN step cost per image ÷ source-only's (real)",
            "dann_step_cost_ratio_real",
            lambda x: _num(x, "{:.2f}"),
        ),
    ]
    for label, key, fmt in rows:
        goal = g.get(key, {})
        goal_txt = goal.get("goal", "")
        if key.startswith("pipeline") and goal_txt:
            goal_txt = "<= " + _pct(float(goal_txt.split()[-1]), 0)
        lines.append(
            f"| {label} | {fmt(sp.get(key))} | {goal_txt} | {_verdict(goal.get('passed'))} |"
        )
    if any(_ok(sp.get(k)) and sp[k] < 0 for k in ("pipeline_overhead", "pipeline_overhead_dann")):
        lines += [
            "",
            "A negative overhead means the real path measured faster than the compute limit: "
            "the difference is within the measurement noise of this machine.",
        ]
    b = sp.get("breakdown", {})
    if b:
        lines += [
            "",
            f"Where the real step's extra time goes: one `BatchStream.next()` takes "
            f"{_num(1e3 * b.get('batch_seconds_with_augment', float('nan')), '{:.1f}')} ms with "
            f"augmentation ({_num(1e3 * b.get('batch_seconds_without_augment', float('nan')), '{:.2f}')} ms "
            f"without) against a {_num(1e3 * b.get('source_only_step_seconds_real', float('nan')), '{:.0f}')} ms "
            f"source-only step: {_pct(b.get('batching_share_of_real_source_only_step'))} of it.",
        ]
    lines += [
        "",
        "Overhead and cost ratio are medians of values measured next to each other in time "
        "(compute-limit timings taken after each real epoch); the ratios of the medians are "
        f"{_pct(sp.get('pipeline_overhead_of_medians'))} / "
        f"{_pct(sp.get('pipeline_overhead_dann_of_medians'))} (overhead source-only / DANN) "
        f"and {_num(sp.get('dann_step_cost_ratio_of_medians'), '{:.2f}')} (cost ratio).",
    ]
    load = sp.get("machine_load", {})
    if load.get("busy"):
        lines += [
            "",
            f"**Caution:** other processes kept {load['other_processes_cores']:.1f} of "
            f"{load['cores']} cores busy during the speed measurement; throughput is lower and "
            "noisier than on an idle machine.",
        ]
    elif _ok(load.get("other_processes_cores")):
        lines += [
            "",
            f"Other processes used {load['other_processes_cores']:.2f} cores on average "
            "during the measurement.",
        ]
    return lines + [""]


def _suite_section(results: dict) -> list[str]:
    suite = results.get("notebook_suite") or {}
    secs = results.get("notebook_suite_seconds")
    if suite.get("error"):
        return [f"The notebook suite failed: `{suite['error']}`.", ""]
    if not _ok(secs):
        return ["Not measured in this run (`--skip-suite`).", ""]
    return [
        f"`dannlib.suite.run_suite({{}}, name={suite.get('name', 'bench')!r})` (every notebook, "
        f"default parameters, from scratch into `{suite.get('run_dir', 'runs/bench')}`): "
        f"**{secs:.0f} s** ({secs / 60:.1f} min).",
        "",
    ]


def _gpu_section(gpu: dict | None) -> list[str]:
    if not gpu:
        return [NO_GPU_LINE + ".", ""]
    lines = [
        f"Measured by `benchmarks/gpu_check.sh` on **{gpu.get('gpu', '?')}** "
        f"(torch {gpu.get('torch', '?')}, CUDA {gpu.get('cuda', '?')}, {gpu.get('date', '?')}).",
        "",
        "| run | image size | AMP | channels_last | compile | epochs | images/s | women test | "
        "men test |",
        "|---|---:|---|---|---|---:|---:|---:|---:|",
    ]
    for name in ("resnet18", "small_cnn", "small_cnn_compiled"):
        r = gpu.get(name)
        if not r:
            continue
        if r.get("error"):
            lines.append(f"| {name} | | | | | | failed: {_cell(r['error'])} | | |")
            continue
        lines.append(
            f"| {r.get('backbone', name)} | {r.get('image_size', '?')} | "
            f"{r.get('amp_dtype', r.get('amp'))} | {r.get('channels_last')} | {r.get('compile')} | "
            f"{r.get('epochs', '?')} | {_num(r.get('images_per_s'))} | "
            f"{_pct(r.get('target_test_acc'))} | {_pct(r.get('source_test_acc'))} |"
        )
    return lines + [""]


def render_markdown(results: dict, gpu: dict | None = None) -> str:
    """``results.md``: command, machine, accuracy, calibration, speed, suite, GPU, figure."""
    m = results.get("machine", {})
    lines = [
        "# dannlib benchmarks",
        "",
        f"Produced by `{results.get('command', 'make bench')}` on {m.get('date', '?')}; the raw "
        "numbers are in `results.json`.",
    ]
    sections = results.get("sections", {})
    if len({v.get("command") for v in sections.values()}) > 1:
        lines += [
            "",
            "Parts come from different commands: "
            + "; ".join(
                f"{k}: `{v.get('command')}` ({v.get('date', '?')})" for k, v in sections.items()
            )
            + ".",
        ]
    lines += [
        "",
        "## Machine",
        "",
        f"- CPU: {m.get('cpu', '?')}, {m.get('cores', '?')} cores; torch {m.get('torch', '?')} "
        f"with {m.get('threads', '?')} threads; Python {m.get('python', '?')}; {m.get('platform', '?')}",
        f"- GPU: {m.get('gpu') or 'none'}",
        "",
        "## Accuracy",
        "",
        *_accuracy_section(results),
    ]
    if results.get("accuracy_summary"):
        lines += [f"![]({_FIGURE})", ""]
    lines += [
        "## Calibration checks",
        "",
        *_calibration_section(results),
        "## Speed",
        "",
        *_speed_section(results),
        "## Notebook suite",
        "",
        *_suite_section(results),
        "## GPU",
        "",
        *_gpu_section(gpu or results.get("gpu")),
    ]
    return "\n".join(lines).rstrip() + "\n"


def readme_snippet(results: dict, gpu: dict | None = None, link: str = "benchmarks") -> str:
    """A short markdown "Results" section for the README, from ``results.json``.

    ``link`` is the folder of ``results.md`` and the figure, relative to the README.
    """
    lines = ["## Results", ""]
    summary = results.get("accuracy_summary") or []
    cal = results.get("calibration") or {}
    d = cal.get("default_shift")
    by = {(e["shift"], e["method"]): e for e in summary}
    s = results.get("accuracy_settings", {})
    if d is not None and any((d, m) in by for m in METHOD_NAMES):
        how = (
            "default data and training settings"
            if s.get("is_default")
            else "**non-default settings** (see results.md)"
        )
        cmd = results.get("sections", {}).get("accuracy", {}).get("command", "make bench")
        lines += [
            f"SynthFaces, men → women at the default shift ({d:g}), {how}, "
            f"mean ± std over {len(s.get('seeds', []))} seeds (`{cmd}`):",
            "",
            "| method | women (target) test acc. | men (source) test acc. |",
            "|---|---:|---:|",
        ]
        for method, name in METHOD_NAMES.items():
            e = by.get((d, method))
            if e:
                lines.append(
                    f"| {name} | {_pm(e['target_test_acc_mean'], e['target_test_acc_std'])}% | "
                    f"{_pm(e['source_test_acc_mean'], e['source_test_acc_std'])}% |"
                )
        gap = next((g for g in results.get("gap_recovered", []) if g["shift"] == d), None)
        if gap and _ok(gap.get("from_means")):
            lines += [
                "",
                f"DANN recovers {_pct(gap.get('from_means'), 0)} of the source-only → oracle gap "
                f"on women (mean of per-seed values: {_pct(gap.get('mean_of_seeds'), 0)}).",
            ]
        lines += ["", f"![accuracy vs shift]({link}/{_FIGURE})"]
    sp = results.get("speed")
    if sp:
        lines += [
            "",
            f"Speed (CPU, torch threads: {sp.get('settings', {}).get('threads', '?')}): "
            f"{_num(sp.get('source_only_images_per_s'))} img/s source-only, "
            f"{_num(sp.get('dann_images_per_s'))} img/s DANN; loader overhead "
            f"{_pct(sp.get('pipeline_overhead'))} of the compute limit; a DANN step costs "
            f"{_num(sp.get('dann_step_cost_ratio'), '{:.2f}')}× a source-only step per image.",
        ]
    if _ok(results.get("notebook_suite_seconds")):
        lines += [
            "",
            f"All notebooks with default parameters (`make run`): "
            f"{results['notebook_suite_seconds'] / 60:.0f} min on this machine.",
        ]
    g = gpu or results.get("gpu")
    if g and g.get("resnet18", {}).get("images_per_s"):
        r = g["resnet18"]
        lines += [
            "",
            f"GPU ({g.get('gpu')}): ResNet-18 at {r.get('image_size')} px trains at "
            f"{_num(r['images_per_s'])} img/s (bf16 autocast, channels_last).",
        ]
    elif not g:
        lines += ["", NO_GPU_LINE + "."]
    m = results.get("machine", {})
    lines += [
        "",
        f"Measured on {m.get('cpu', '?')} ({m.get('cores', '?')} cores), {m.get('date', '?')[:10]}; "
        f"details in [{link}/results.md]({link}/results.md).",
    ]
    return "\n".join(lines) + "\n"


def write_reports(results: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.md`` and the figure into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    fig = plot_accuracy_vs_shift(results, out / _FIGURE)
    if fig is not None:
        paths["figure"] = fig
    md = out / "results.md"
    md.write_text(render_markdown(results, load_gpu_results(out)))
    paths["markdown"] = md
    return paths
