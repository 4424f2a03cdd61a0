"""One trainer for source-only, DANN and the target oracle (introduced in notebooks 02-03).

* ``source_only``: cross-entropy on labelled men only.
* ``dann``: cross-entropy on labelled men + domain BCE on men *and* unlabelled women,
  through the gradient reversal layer. The women's stream is
  :meth:`FaceSet.images_only`: it has no labels to leak.
* ``target_oracle``: cross-entropy on women's labels; the ceiling for comparisons.

Every DANN step pairs a full source batch with a full target batch; the smaller
domain's stream cycles, so an epoch is a pass over the *larger* domain. The
reversal strength and learning rate follow the paper's schedules per step, with
progress measured over the whole run.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .augment import BatchAugment
from .batches import BatchStream
from .checkpoint import load_checkpoint, save_checkpoint
from .config import ConfigError, TrainConfig
from .datasets import DomainDataset, FaceSet, UnlabelledFaces
from .device import resolve_device
from .evaluate import predict
from .models import DANN, build_model
from .schedules import dann_lr, grl_lambda
from .seed import set_seed

__all__ = [
    "train",
    "fit",
    "step_losses",
    "TrainResult",
    "TrainingDivergedError",
    "training_streams",
]


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint was kept."""


@dataclass
class TrainResult:
    """What :func:`train` returns.

    ``history`` is a list of per-epoch dicts (easy to plot, easy to save as JSON).
    """

    model: DANN
    history: list[dict]
    config: TrainConfig
    best_epoch: int
    device: str
    seconds: float = 0.0
    resumed: bool = False
    extra: dict = field(default_factory=dict)


def training_streams(
    dataset: DomainDataset, method: str
) -> tuple[FaceSet, UnlabelledFaces | None, FaceSet, FaceSet | None]:
    """Pick the data each method may use: ``(labelled, unlabelled, val, monitor)``.

    * ``labelled``: the labelled training set (men; women for the oracle).
    * ``unlabelled``: DANN's target stream, images only.
    * ``val``: the validation set used for model selection (never the target's, except
      for the oracle, whose training domain *is* the target).
    * ``monitor``: labelled target validation set, for *monitoring only*: it is
      evaluated after each epoch and written to the history, never used to train or select.
    """
    s, t = dataset.source, dataset.target
    if method == "target_oracle":
        return dataset.get(t, "train"), None, dataset.get(t, "val"), dataset.get(t, "val")
    unlabelled = dataset.get(t, "train").images_only() if method == "dann" else None
    return dataset.get(s, "train"), unlabelled, dataset.get(s, "val"), dataset.get(t, "val")


def train(
    dataset: DomainDataset,
    config: TrainConfig | None = None,
    checkpoint_path: str | Path | None = None,
    resume: bool = True,
    on_epoch_end: Callable[[dict], None] | None = None,
    data_info: dict | None = None,
    **overrides,
) -> TrainResult:
    """Train ``config.method`` on ``dataset`` (source = men, target = women by default).

    Parameters
    ----------
    dataset : DomainDataset
        From :func:`dannlib.load_dataset`.
    config : TrainConfig, optional
        Defaults to ``TrainConfig()``; keyword ``overrides`` replace single fields,
        e.g. ``train(ds, method="source_only", epochs=5)``.
    checkpoint_path : path, optional
        Saved after every epoch. With ``resume=True`` an existing checkpoint of the same
        configuration is continued (or, if complete, returned without training).
    on_epoch_end : callable, optional
        Called with each epoch's history record.
    data_info : dict, optional
        Facts about the data, stored in the checkpoint (see
        :func:`dannlib.experiment.dataset_fingerprint`).
    """
    config = TrainConfig(**{**(config or TrainConfig()).to_dict(), **overrides}).validate()
    labelled, unlabelled, val, monitor = training_streams(dataset, config.method)
    return fit(
        labelled,
        unlabelled,
        val,
        config,
        monitor=monitor,
        checkpoint_path=checkpoint_path,
        resume=resume,
        on_epoch_end=on_epoch_end,
        data_info=data_info if data_info is not None else {"dataset": dataset.name},
    )


def step_losses(
    model: torch.nn.Module,
    xs: torch.Tensor,
    ys: torch.Tensor,
    xt: torch.Tensor | None = None,
    separate_batches: bool = True,
):
    """The losses of one training step: ``(label_loss, domain_loss, domain_logits, domain_y)``.

    Without target images ``xt`` (source-only, oracle) only the cross-entropy is computed
    and the other three are ``None``. With them (DANN), source and target go through the
    network as separate batches (per-domain BatchNorm statistics) or as one concatenated
    batch; the domain loss is binary cross-entropy with source = 0 and target = 1, and
    reaches the feature extractor through the gradient reversal layer.
    """
    if xt is None:
        out = model(xs, with_domain=False)
        return F.cross_entropy(out.class_logits.float(), ys), None, None, None
    if separate_batches:
        out_s, out_t = model(xs), model(xt)
        logits_s = out_s.class_logits
        dom = torch.cat([out_s.domain_logits, out_t.domain_logits])
    else:
        out = model(torch.cat([xs, xt]))
        logits_s = out.class_logits[: len(xs)]
        dom = out.domain_logits
    dom_y = torch.cat(
        [torch.zeros(len(xs), device=xs.device), torch.ones(len(xt), device=xs.device)]
    )
    label_loss = F.cross_entropy(logits_s.float(), ys)
    domain_loss = F.binary_cross_entropy_with_logits(dom.float(), dom_y)
    return label_loss, domain_loss, dom, dom_y


def _check_inputs(labelled, unlabelled, val, config, model) -> None:
    if len(labelled) == 0:
        raise ConfigError(
            f"The labelled training domain {labelled.domain!r} has no images. "
            "Check the dataset folder and the source/target names."
        )
    if config.method == "dann":
        if unlabelled is None or len(unlabelled) == 0:
            dom = getattr(unlabelled, "domain", "target")
            raise ConfigError(
                f"DANN needs unlabelled target images, but domain {dom!r} has none. "
                "Add target images or use method='source_only'."
            )
        if hasattr(unlabelled, "labels"):
            raise ConfigError(
                "The target stream must be images only: pass "
                "FaceSet.images_only(), never a labelled FaceSet."
            )
    for _name, part in (("labelled", labelled), ("unlabelled", unlabelled)):
        if part is not None and config.batch_size > len(part):
            raise ConfigError(
                f"batch_size={config.batch_size} is larger than the {part.domain!r} training set "
                f"({len(part)} images). Use batch_size <= {len(part)}."
            )
    if len(val) == 0:
        raise ConfigError(
            f"The validation set of {val.domain!r} is empty; "
            "model selection needs it. Give the dataset a val split."
        )
    n_classes = model.num_classes
    top = int(max(labelled.labels.max(), val.labels.max()))
    if top >= n_classes:
        raise ConfigError(
            f"Labels go up to {top} but the model predicts {n_classes} classes. "
            f"Build the model with num_classes={top + 1}."
        )


def _autocast(device: torch.device, enabled: bool):
    if device.type != "cuda" or not enabled:
        return contextlib.nullcontext(), None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    ctx = torch.autocast("cuda", dtype=dtype)
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return ctx, scaler


def _accuracy(model, faces: FaceSet, device) -> float:
    return float(np.mean(predict(model, faces, device=device) == faces.labels.numpy()))


def fit(
    labelled: FaceSet,
    unlabelled: UnlabelledFaces | None,
    val: FaceSet,
    config: TrainConfig,
    monitor: FaceSet | None = None,
    model: DANN | None = None,
    checkpoint_path: str | Path | None = None,
    resume: bool = True,
    on_epoch_end: Callable[[dict], None] | None = None,
    data_info: dict | None = None,
) -> TrainResult:
    """The training loop behind :func:`train`, on explicit data streams.

    ``unlabelled`` must be :class:`UnlabelledFaces` (images only) for DANN and is
    ignored otherwise. ``monitor`` (labelled target images) is evaluated after each
    epoch for the history only.
    """
    config.validate()
    device = resolve_device(config.device)
    set_seed(config.seed)
    model = model or build_model(config.backbone)
    _check_inputs(labelled, unlabelled, val, config, model)
    is_dann = config.method == "dann"

    model.to(device)
    if device.type == "cuda" and config.channels_last:
        model.to(memory_format=torch.channels_last)
    if config.optimizer == "sgd":
        opt = torch.optim.SGD(
            model.parameters(),
            lr=config.lr,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
        )
    else:
        opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    amp_ctx, scaler = _autocast(device, config.amp)
    step_model = torch.compile(model) if (config.compile and device.type == "cuda") else model

    aug = BatchAugment() if config.augment else None
    src = BatchStream(
        labelled.images, labelled.labels, config.batch_size, config.seed + 1, device, aug
    )
    tgt = (
        BatchStream(unlabelled.images, None, config.batch_size, config.seed + 2, device, aug)
        if is_dann
        else None
    )
    n_largest = max(len(labelled), len(unlabelled) if is_dann else 0)
    steps_per_epoch = math.ceil(n_largest / config.batch_size)
    total_steps = steps_per_epoch * config.epochs

    history: list[dict] = []
    start_epoch, best_epoch, best_acc, best_state = 0, -1, -1.0, None
    resumed = False
    ckpt = Path(checkpoint_path) if checkpoint_path else None
    if ckpt is not None and resume and ckpt.is_file():
        state = load_checkpoint(ckpt)
        if state["config"] != config.to_dict():
            diff = {
                k: (state["config"].get(k), v)
                for k, v in config.to_dict().items()
                if state["config"].get(k) != v
            }
            raise ConfigError(
                f"Checkpoint {ckpt} was made with another configuration (checkpoint vs now: "
                f"{diff}). Delete it, pass resume=False, or use another output_dir."
            )
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if scaler is not None and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        src.load_state_dict(state["streams"]["source"])
        if tgt is not None:
            tgt.load_state_dict(state["streams"]["target"])
        torch.set_rng_state(state["torch_rng"])
        history = state["history"]
        start_epoch = state["epoch"]
        best_epoch, best_acc, best_state = (
            state["best_epoch"],
            state["best_acc"],
            state["best_state"],
        )
        resumed = True

    bar = tqdm(
        total=total_steps,
        initial=start_epoch * steps_per_epoch,
        disable=not config.progress,
        desc=f"{config.method} on {device.type}",
        unit="step",
    )
    t_start = time.perf_counter()
    for epoch in range(start_epoch, config.epochs):
        model.train()
        t_epoch = time.perf_counter()
        sums = torch.zeros(4, device=device)  # label loss, domain loss, domain correct, domain n
        for i in range(steps_per_epoch):
            p = (epoch * steps_per_epoch + i) / total_steps
            lam = grl_lambda(p, config.gamma, config.lambda_max)
            lr = dann_lr(p, config.lr, config.alpha, config.beta)
            for group in opt.param_groups:
                group["lr"] = lr
            model.grl.lambda_ = lam
            xs, ys = src.next()
            xt = tgt.next() if is_dann else None
            with amp_ctx:
                label_loss, domain_loss, dom, dom_y = step_losses(
                    step_model, xs, ys, xt, config.separate_batches
                )
                loss = label_loss + domain_loss if is_dann else label_loss
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
            with torch.no_grad():
                sums[0] += label_loss.detach()
                if is_dann:
                    sums[1] += domain_loss.detach()
                    sums[2] += ((dom.detach() > 0).float() == dom_y).sum()
                    sums[3] += len(dom_y)
            bar.update(1)
        sums = sums.cpu().tolist()  # one host-device sync per epoch
        step_seconds = time.perf_counter() - t_epoch
        if not all(math.isfinite(v) for v in sums):
            bar.close()
            kept = (
                f"The last good checkpoint ({ckpt}, epoch {start_epoch}) was kept. "
                if (ckpt and ckpt.is_file())
                else ""
            )
            raise TrainingDivergedError(
                f"The {config.method} loss became NaN/inf in epoch {epoch + 1} (lr={lr:.3g}, "
                f"lambda={lam:.3g}). {kept}Lower lr (e.g. {config.lr / 10:g}) or check the inputs."
            )
        record = {
            "epoch": epoch + 1,
            "label_loss": sums[0] / steps_per_epoch,
            "domain_loss": sums[1] / steps_per_epoch if is_dann else None,
            "domain_acc": sums[2] / sums[3] if is_dann else None,
            "lambda": lam if is_dann else 0.0,
            "lr": lr,
            "source_val_acc": _accuracy(model, val, device),
            "target_val_acc_monitor_only": _accuracy(model, monitor, device) if monitor else None,
            "images_per_s": steps_per_epoch
            * config.batch_size
            * (2 if is_dann else 1)
            / step_seconds,
            "seconds": time.perf_counter() - t_epoch,
        }
        history.append(record)
        bar.set_postfix(loss=f"{record['label_loss']:.3f}", val=f"{record['source_val_acc']:.3f}")
        if config.select == "source_val" and record["source_val_acc"] >= best_acc:
            best_acc, best_epoch = record["source_val_acc"], epoch + 1
            best_state = copy.deepcopy(model.state_dict())
        start_epoch = epoch + 1
        if ckpt is not None:
            save_checkpoint(
                ckpt,
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scaler": scaler.state_dict() if scaler is not None else None,
                    "streams": {
                        "source": src.state_dict(),
                        "target": tgt.state_dict() if tgt is not None else None,
                    },
                    "torch_rng": torch.get_rng_state(),
                    "history": history,
                    "epoch": epoch + 1,
                    "config": config.to_dict(),
                    "best_epoch": best_epoch,
                    "best_acc": best_acc,
                    "best_state": best_state,
                    "data_info": data_info or {},
                },
            )
        if on_epoch_end is not None:
            on_epoch_end(record)
    bar.close()
    if config.select == "source_val" and best_state is not None:
        model.load_state_dict(best_state)
    else:
        best_epoch = config.epochs
    model.eval()
    return TrainResult(
        model, history, config, best_epoch, str(device), time.perf_counter() - t_start, resumed
    )
