"""Figures for the notebooks (seaborn/matplotlib, saved as PNG under ``output_dir``).

Each function returns the matplotlib Figure; :func:`save_figure` writes it to
``output_dir/figures/<name>.png`` as well.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .datasets import DomainDataset
from .emotions import EMOTIONS
from .schedules import dann_lr, grl_lambda

__all__ = [
    "save_figure",
    "show_images",
    "plot_sample_grid",
    "plot_class_balance",
    "plot_domain_statistics",
    "plot_confusion_pair",
    "plot_schedules",
    "plot_history",
    "plot_tsne_pair",
    "plot_results",
    "plot_per_emotion",
]

DOMAIN_COLORS = ("tab:blue", "tab:orange")


def save_figure(fig: plt.Figure, output_dir: str | Path, name: str) -> Path:
    """Save ``fig`` as ``output_dir/figures/<name>.png`` (PNG, so nbval never compares it)."""
    path = Path(output_dir) / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _img(t) -> np.ndarray:
    return t.permute(1, 2, 0).numpy() if hasattr(t, "permute") else np.asarray(t)


def show_images(images, titles=None, ncols: int = 8, size: float = 1.3) -> plt.Figure:
    """A simple grid of ``uint8`` images (``[N,3,H,W]`` tensors or ``[N,H,W,3]`` arrays)."""
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(_img(images[i]))
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return fig


def plot_sample_grid(ds: DomainDataset, per_domain: int = 4, split: str = "train", seed: int = 0):
    """Rows = emotions; the first ``per_domain`` columns are source faces, the rest target."""
    rng = np.random.default_rng(seed)
    ncols = 2 * per_domain
    fig, axes = plt.subplots(len(EMOTIONS), ncols, figsize=(ncols * 1.1, len(EMOTIONS) * 1.15))
    for c, domain in enumerate(ds.domains):
        fs = ds.get(domain, split)
        labels = fs.labels.numpy()
        for r, emo in enumerate(EMOTIONS):
            idx = np.flatnonzero(labels == r)
            pick = (
                rng.choice(idx, size=min(per_domain, len(idx)), replace=False) if len(idx) else []
            )
            for j in range(per_domain):
                ax = axes[r, c * per_domain + j]
                ax.set_xticks([])
                ax.set_yticks([])
                if j < len(pick):
                    ax.imshow(_img(fs.images[pick[j]]))
                if c == 0 and j == 0:
                    ax.set_ylabel(emo, fontsize=9)
                if r == 0 and j == 0:
                    ax.set_title(
                        f"{domain} ({'source' if c == 0 else 'target'})", fontsize=9, loc="left"
                    )
    fig.tight_layout()
    return fig


def plot_class_balance(ds: DomainDataset):
    """Bar chart of images per emotion, one bar per domain, one panel per split."""
    df = (
        ds.counts()
        .reset_index()
        .melt(id_vars=["domain", "emotion"], var_name="split", value_name="images")
    )
    g = sns.catplot(
        data=df,
        x="emotion",
        y="images",
        hue="domain",
        col="split",
        kind="bar",
        height=2.8,
        aspect=1.3,
        palette=list(DOMAIN_COLORS),
    )
    g.set_xticklabels(rotation=45)
    return g.figure


def plot_domain_statistics(ds: DomainDataset, split: str = "train"):
    """Mean face per domain and the distribution of per-image mean intensity per channel."""
    fig, axes = plt.subplots(1, 4, figsize=(13, 2.9), gridspec_kw={"width_ratios": [1, 1, 2, 2]})
    for ax, domain in zip(axes[:2], ds.domains):
        mean = ds.get(domain, split).images.float().mean(0) / 255
        ax.imshow(mean.permute(1, 2, 0).numpy())
        ax.set_title(f"mean {domain} image", fontsize=9)
        ax.axis("off")
    for domain, color in zip(ds.domains, DOMAIN_COLORS):
        x = ds.get(domain, split).images.float() / 255
        sns.kdeplot(x.mean(dim=(1, 2, 3)).numpy(), ax=axes[2], label=domain, color=color, fill=True)
        std = x.flatten(1).std(1).numpy()
        sns.kdeplot(std, ax=axes[3], label=domain, color=color, fill=True)
    axes[2].set_title("brightness per image", fontsize=9)
    axes[3].set_title("contrast (pixel std) per image", fontsize=9)
    axes[2].legend()
    fig.tight_layout()
    return fig


def plot_confusion_pair(cm_a, cm_b, title_a: str, title_b: str):
    """Two row-normalised confusion matrices side by side (rows = true emotion)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    for ax, cm, title in ((axes[0], cm_a, title_a), (axes[1], cm_b, title_b)):
        cm = np.asarray(cm, dtype=float)
        norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
        sns.heatmap(
            norm,
            annot=True,
            fmt=".2f",
            cmap="Blues",
            vmin=0,
            vmax=1,
            ax=ax,
            cbar=False,
            xticklabels=EMOTIONS,
            yticklabels=EMOTIONS,
            annot_kws={"fontsize": 7},
        )
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
    fig.tight_layout()
    return fig


def plot_schedules(
    lr0: float = 0.01,
    gamma: float = 10.0,
    alpha: float = 10.0,
    beta: float = 0.75,
    lambda_max: float = 1.0,
):
    """The reversal strength lambda_p and the learning rate mu_p against progress p."""
    p = np.linspace(0, 1, 201)
    fig, ax1 = plt.subplots(figsize=(6, 3.2))
    ax1.plot(p, [grl_lambda(v, gamma, lambda_max) for v in p], color="tab:red", label="lambda_p")
    ax1.set_xlabel("training progress p = step / total steps")
    ax1.set_ylabel("lambda_p (reversal strength)", color="tab:red")
    ax2 = ax1.twinx()
    ax2.plot(p, [dann_lr(v, lr0, alpha, beta) for v in p], color="tab:blue", label="lr")
    ax2.set_ylabel("mu_p (learning rate)", color="tab:blue")
    ax1.set_title("DANN schedules (Ganin et al. 2016)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_history(histories: dict[str, list[dict]]):
    """Learning curves of one or more runs: losses, domain accuracy, validation accuracies."""
    panels = [
        ("label_loss", "label loss (source)"),
        ("domain_loss", "domain loss"),
        ("domain_acc", "domain-classifier accuracy"),
        ("source_val_acc", "source val acc (selection)"),
        ("target_val_acc_monitor_only", "target val acc (monitor only)"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.1 * len(panels), 2.8))
    for (key, title), ax in zip(panels, axes):
        for name, hist in histories.items():
            vals = [h.get(key) for h in hist]
            if any(v is not None for v in vals):
                ax.plot([h["epoch"] for h in hist], vals, marker=".", label=name)
        if key == "domain_acc":
            ax.axhline(0.5, color="grey", ls="--", lw=1, label="chance")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("epoch")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_tsne_pair(
    embeddings: dict[str, np.ndarray],
    domains: np.ndarray,
    labels: np.ndarray,
    domain_names: tuple[str, str],
):
    """t-SNE of each model's features: top row coloured by domain, bottom row by emotion."""
    names = list(embeddings)
    fig, axes = plt.subplots(2, len(names), figsize=(5.2 * len(names), 9.5), squeeze=False)
    for c, name in enumerate(names):
        emb = embeddings[name]
        for d, (dname, color) in enumerate(zip(domain_names, DOMAIN_COLORS)):
            m = domains == d
            axes[0, c].scatter(emb[m, 0], emb[m, 1], s=6, alpha=0.6, color=color, label=dname)
        axes[0, c].set_title(f"{name}: coloured by domain", fontsize=10)
        palette = sns.color_palette("tab10", len(EMOTIONS))
        for k, emo in enumerate(EMOTIONS):
            m = labels == k
            axes[1, c].scatter(emb[m, 0], emb[m, 1], s=6, alpha=0.6, color=palette[k], label=emo)
        axes[1, c].set_title(f"{name}: coloured by emotion", fontsize=10)
        for ax in axes[:, c]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].legend(markerscale=3, fontsize=8)
    axes[1, 0].legend(markerscale=3, fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def plot_results(summary: dict):
    """Grouped bars: test accuracy of every method on the source and target domain."""
    rows = []
    for method, m in summary.get("methods", {}).items():
        rows.append(
            {
                "method": method,
                "domain": f"{summary['source']} (source)",
                "accuracy": m["source_test_acc"],
            }
        )
        rows.append(
            {
                "method": method,
                "domain": f"{summary['target']} (target)",
                "accuracy": m["target_test_acc"],
            }
        )
    import pandas as pd

    df = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    sns.barplot(data=df, x="method", y="accuracy", hue="domain", ax=ax, palette=list(DOMAIN_COLORS))
    for cont in ax.containers:
        ax.bar_label(cont, fmt="%.2f", fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.axhline(1 / len(EMOTIONS), color="grey", ls=":", lw=1)
    ax.set_title("Test accuracy per domain (target labels used for reporting only)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_per_emotion(summary: dict, domain_key: str = "target_per_emotion_acc"):
    """Heatmap of per-emotion accuracy: methods x emotions."""
    methods = list(summary.get("methods", {}))
    data = np.array([[summary["methods"][m][domain_key][e] for e in EMOTIONS] for m in methods])
    fig, ax = plt.subplots(figsize=(8, 0.7 * len(methods) + 1.2))
    sns.heatmap(
        data,
        annot=True,
        fmt=".2f",
        cmap="viridis",
        vmin=0,
        vmax=1,
        ax=ax,
        xticklabels=EMOTIONS,
        yticklabels=methods,
    )
    who = summary["target"] if domain_key.startswith("target") else summary["source"]
    ax.set_title(f"Per-emotion test accuracy on {who}", fontsize=10)
    fig.tight_layout()
    return fig
