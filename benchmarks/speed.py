"""Speed benchmark: real CPU training throughput against the compute limit of the same steps.

* **Real**: :func:`dannlib.training.train` on SynthFaces (default model, image size and
  batch size, ``device="cpu"``); the history's ``images_per_s`` covers the step loop
  only (batching, augmentation, forward, backward, optimiser; not the per-epoch
  evaluation). The first epoch is warm-up; the median of the later epochs is reported.
* **Compute limit** (:class:`ComputeLimit`): the *same* steps (same model, SGD with
  momentum, the paper's schedules, cross-entropy and, for DANN, the gradient reversal
  layer, the domain head and separate source/target forward passes, exactly as in the
  trainer) on float batches already in memory: no batching, no augmentation.
* The compute limit of both methods is timed after every real epoch but the first, so
  that real and limit values are *paired in time*; on a machine whose load changes (a
  shared CPU) the medians of the paired values are the headline numbers.
* **Batching**: the cost of one :meth:`dannlib.batches.BatchStream.next` call, with and
  without :class:`dannlib.augment.BatchAugment`, to say where any overhead goes.

``images/s`` counts every image through the network: a DANN step processes
``batch_size`` source **and** ``batch_size`` target images, so
``dann_step_cost_ratio = (DANN seconds per image) / (source-only seconds per image)``.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch

from dannlib.augment import BatchAugment
from dannlib.batches import BatchStream, to_device_float
from dannlib.config import TrainConfig
from dannlib.models import build_model
from dannlib.schedules import dann_lr, grl_lambda
from dannlib.seed import set_seed
from dannlib.synthfaces import make_synthfaces
from dannlib.training import step_losses, train, training_streams

__all__ = [
    "GOALS",
    "ComputeLimit",
    "measure_batching",
    "run_speed",
    "estimate_accuracy_seconds",
]

#: Goals of the speed issue.
GOALS: dict[str, float] = {"pipeline_overhead": 0.10, "dann_step_cost_ratio": 1.3}

_SPEED_METHODS: tuple[str, ...] = ("source_only", "dann")


def _images_per_step(method: str, batch_size: int) -> int:
    return batch_size * (2 if method == "dann" else 1)


def _cpu_meter() -> tuple[float, float, float] | None:
    """(wall, busy CPU seconds of the whole machine, CPU seconds of this process) or None."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait
    return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), time.process_time()


def _other_cores(start, end) -> float | None:
    """Average number of cores that *other* processes kept busy between two meter readings."""
    if start is None or end is None or end[0] <= start[0]:
        return None
    return max(0.0, ((end[1] - start[1]) - (end[2] - start[2])) / (end[0] - start[0]))


def _steps_per_epoch(dataset, method: str, batch_size: int) -> int:
    labelled, unlabelled, _, _ = training_streams(dataset, method)
    n_largest = max(len(labelled), len(unlabelled) if unlabelled is not None else 0)
    return math.ceil(n_largest / batch_size)


class ComputeLimit:
    """The trainer's step (:func:`dannlib.training.fit`, CPU, no AMP) on in-memory floats.

    ``pool`` distinct batches of real training images (source, and target for DANN)
    are converted to float once and cycled: no batching and no augmentation per step.
    The model is built after :func:`dannlib.seed.set_seed`, as the trainer does, and
    trained with SGD (momentum), the paper's schedules, cross-entropy and, for DANN, the
    gradient reversal layer and domain head with separate source/target forward passes.
    """

    def __init__(self, dataset, method: str, config: TrainConfig, pool: int = 4) -> None:
        self.method, self.cfg = method, config
        device = torch.device("cpu")
        b = config.batch_size
        labelled, unlabelled, _, _ = training_streams(dataset, method)
        gen = torch.Generator().manual_seed(config.seed)

        def indices(n: int) -> torch.Tensor:
            idx = torch.randperm(n, generator=gen)
            return idx.repeat(math.ceil(pool * b / n))[: pool * b].view(pool, b)

        src_idx = indices(len(labelled))
        self.xs = [to_device_float(labelled.images[i], device) for i in src_idx]
        self.ys = [labelled.labels[i] for i in src_idx]
        self.xt: list[torch.Tensor | None] = [None] * pool
        if unlabelled is not None:
            self.xt = [
                to_device_float(unlabelled.images[i], device) for i in indices(len(unlabelled))
            ]
        set_seed(config.seed)
        self.model = build_model(config.backbone).to(device).train()
        self.opt = torch.optim.SGD(
            self.model.parameters(),
            lr=config.lr,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
        )
        self.images_per_step = _images_per_step(method, b)
        self.pool, self.i = pool, 0
        self.times: list[float] = []

    def _step(self) -> None:
        cfg, model, opt = self.cfg, self.model, self.opt
        k = self.i % self.pool
        xs, ys, xt = self.xs[k], self.ys[k], self.xt[k]
        p = (self.i % 1000) / 1000  # the schedules' cost does not depend on p
        self.i += 1
        lam = grl_lambda(p, cfg.gamma, cfg.lambda_max)
        lr = dann_lr(p, cfg.lr, cfg.alpha, cfg.beta)
        for group in opt.param_groups:
            group["lr"] = lr
        model.grl.lambda_ = lam
        # the trainer's own loss code, so the compute limit times exactly the same step
        label_loss, domain_loss, _, _ = step_losses(
            model, xs, ys, xt if self.method == "dann" else None, cfg.separate_batches
        )
        loss = label_loss + domain_loss if domain_loss is not None else label_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def measure(self, warmup: int, steps: int) -> float:
        """Run ``warmup`` untimed steps, then time ``steps`` steps; seconds per step."""
        for _ in range(warmup):
            self._step()
        t = time.perf_counter()
        for _ in range(steps):
            self._step()
        seconds = (time.perf_counter() - t) / steps
        self.times.append(seconds)
        return seconds

    def summary(self) -> dict:
        """Median (and best) over the :meth:`measure` calls so far."""
        med, best = statistics.median(self.times), min(self.times)
        return {
            "seconds_per_step": med,
            "seconds_per_step_best": best,
            "seconds_per_step_all": [round(x, 5) for x in self.times],
            "images_per_s": self.images_per_step / med,
            "images_per_s_best": self.images_per_step / best,
            "images_per_step": self.images_per_step,
        }


def measure_batching(
    dataset, config: TrainConfig | None = None, calls: int = 30, warmup: int = 3
) -> dict:
    """Median seconds of one ``BatchStream.next()`` (one domain's batch), with and without
    augmentation, on the CPU."""
    cfg = config or TrainConfig()
    faces = dataset.get(dataset.source, "train")
    out = {}
    for name, aug in (("with_augment", BatchAugment()), ("without_augment", None)):
        stream = BatchStream(
            faces.images, faces.labels, cfg.batch_size, 1, torch.device("cpu"), aug
        )
        for _ in range(warmup):
            stream.next()
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            stream.next()
            times.append(time.perf_counter() - t)
        out[f"batch_seconds_{name}"] = statistics.median(times)
    out["augment_seconds"] = (
        out["batch_seconds_with_augment"] - out["batch_seconds_without_augment"]
    )
    return out


def _goal(value: float | None, goal: float) -> dict:
    ok = None if value is None or not math.isfinite(value) else bool(value <= goal)
    return {"value": value, "goal": f"<= {goal:g}", "passed": ok}


def run_speed(
    n_people: int = 40,
    epochs: int = 4,
    warmup: int = 5,
    steps: int = 30,
    dataset_kwargs: dict[str, Any] | None = None,
    config_overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """The whole speed benchmark on the CPU with the default model and TrainConfig.

    Source-only and DANN are each trained for ``epochs`` epochs through
    :func:`dannlib.training.train`; after every epoch but the first (warm-up), the
    compute limit of *both* methods is timed (``warmup`` + ``steps`` steps each), so that
    every real measurement has compute-limit measurements taken right next to it. On a
    machine whose load changes, the paired values are the robust ones: the headline
    ``pipeline_overhead`` and ``dann_step_cost_ratio`` are medians of per-epoch pairs;
    the ratios of medians are reported alongside.

    ``dataset_kwargs`` and ``config_overrides`` exist for tiny test runs; the benchmark
    itself uses the defaults (48 px, batch size 64, small CNN).

    Returns the flat keys of ``results.json["speed"]``: ``source_only_images_per_s``,
    ``dann_images_per_s``, ``compute_limit_images_per_s`` (source-only),
    ``pipeline_overhead`` (source-only), ``dann_step_cost_ratio`` (compute-limit path),
    their DANN / real-path counterparts, a batching breakdown and the goals.
    """
    if epochs < 2:
        raise ValueError("run_speed needs epochs >= 2 (the first epoch is warm-up).")
    t0 = time.perf_counter()
    meter0 = _cpu_meter()
    cfg = TrainConfig(**{**(config_overrides or {}), "device": "cpu", "progress": False})
    b = cfg.batch_size
    ds = make_synthfaces(n_people=n_people, seed=0, **(dataset_kwargs or {}))
    limits = {m: ComputeLimit(ds, m, cfg) for m in _SPEED_METHODS}
    real: dict[str, dict] = {}
    overhead_pairs: dict[str, list[float]] = {m: [] for m in _SPEED_METHODS}
    ratio_pairs: list[float] = []
    for method in _SPEED_METHODS:
        steps_per_epoch = _steps_per_epoch(ds, method, b)
        per_step = _images_per_step(method, b)

        def after_epoch(record: dict, method: str = method) -> None:
            if record["epoch"] < 2:
                return
            t = {m: limits[m].measure(warmup, steps) for m in _SPEED_METHODS}
            limit_ips = limits[method].images_per_step / t[method]
            overhead_pairs[method].append(1.0 - record["images_per_s"] / limit_ips)
            ratio_pairs.append(t["dann"] / (2 * t["source_only"]))

        res = train(ds, cfg, method=method, epochs=epochs, on_epoch_end=after_epoch)
        later = res.history[1:]
        ips = [h["images_per_s"] for h in later]
        eval_s = [h["seconds"] - steps_per_epoch * per_step / h["images_per_s"] for h in later]
        _, _, val, monitor = training_streams(ds, method)
        real[method] = {
            "images_per_s": statistics.median(ips),
            "images_per_s_best": max(ips),
            "images_per_s_per_epoch": [round(h["images_per_s"], 1) for h in res.history],
            "steps_per_epoch": steps_per_epoch,
            "eval_images_per_epoch": len(val) + (len(monitor) if monitor is not None else 0),
            "eval_seconds_per_epoch": statistics.median(eval_s),
            "epochs": epochs,
        }
        log(
            f"speed: {method}: real {real[method]['images_per_s']:.0f} img/s "
            f"(per epoch {real[method]['images_per_s_per_epoch']}), compute limit "
            f"{limits[method].summary()['images_per_s']:.0f} img/s"
        )
    limit = {m: limits[m].summary() for m in _SPEED_METHODS}
    batching = measure_batching(ds, cfg)
    meter1 = _cpu_meter()

    so_real, dn_real = real["source_only"]["images_per_s"], real["dann"]["images_per_s"]
    so_lim, dn_lim = limit["source_only"]["images_per_s"], limit["dann"]["images_per_s"]
    overhead_so = statistics.median(overhead_pairs["source_only"])
    overhead_dann = statistics.median(overhead_pairs["dann"])
    ratio_limit = statistics.median(ratio_pairs)  # DANN time per image / source-only's
    ratio_real = so_real / dn_real
    so_step_real = b / so_real
    other = _other_cores(meter0, meter1)
    cores = os.cpu_count() or 1
    result = {
        "source_only_images_per_s": so_real,
        "dann_images_per_s": dn_real,
        "compute_limit_images_per_s": so_lim,
        "compute_limit_dann_images_per_s": dn_lim,
        "pipeline_overhead": overhead_so,
        "pipeline_overhead_dann": overhead_dann,
        "dann_step_cost_ratio": ratio_limit,
        "dann_step_cost_ratio_real": ratio_real,
        "pipeline_overhead_of_medians": 1.0 - so_real / so_lim,
        "pipeline_overhead_dann_of_medians": 1.0 - dn_real / dn_lim,
        "dann_step_cost_ratio_of_medians": so_lim / dn_lim,
        "paired": {
            "pipeline_overhead_source_only": [round(x, 4) for x in overhead_pairs["source_only"]],
            "pipeline_overhead_dann": [round(x, 4) for x in overhead_pairs["dann"]],
            "dann_step_cost_ratio": [round(x, 4) for x in ratio_pairs],
        },
        "goals": {
            "pipeline_overhead": _goal(overhead_so, GOALS["pipeline_overhead"]),
            "pipeline_overhead_dann": _goal(overhead_dann, GOALS["pipeline_overhead"]),
            "dann_step_cost_ratio": _goal(ratio_limit, GOALS["dann_step_cost_ratio"]),
            "dann_step_cost_ratio_real": _goal(ratio_real, GOALS["dann_step_cost_ratio"]),
        },
        "breakdown": {
            **batching,
            "source_only_step_seconds_real": so_step_real,
            "source_only_step_seconds_compute": limit["source_only"]["seconds_per_step"],
            "batching_share_of_real_source_only_step": batching["batch_seconds_with_augment"]
            / so_step_real,
            "augment_share_of_real_source_only_step": batching["augment_seconds"] / so_step_real,
        },
        "real": real,
        "compute_limit": limit,
        "machine_load": {
            "other_processes_cores": other,
            "cores": cores,
            "busy": None if other is None else bool(other > 0.25),
            "note": "average number of cores kept busy by other processes while measuring",
        },
        "settings": {
            "device": "cpu",
            "threads": torch.get_num_threads(),
            "batch_size": b,
            "image_size": ds.image_shape[-1],
            "backbone": cfg.backbone,
            "n_people": n_people,
            "train_images_per_domain": len(ds.get(ds.source, "train")),
            "real_epochs": epochs,
            "real_statistic": "median over epochs 2..N (epoch 1 is warm-up)",
            "compute_limit": {"warmup": warmup, "steps": steps},
            "compute_limit_statistic": "median over all timings (one per method after each "
            "real epoch but the first)",
            "headline_statistic": "pipeline_overhead and dann_step_cost_ratio are medians of "
            "values paired in time",
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if other is not None and other > 0.25:
        log(
            f"speed: warning: other processes kept {other:.1f} of {cores} cores busy while "
            "measuring; throughput figures are lower and noisier than on an idle machine."
        )
    return result


def estimate_accuracy_seconds(
    speed: dict,
    n_shifts: int,
    n_seeds: int,
    epochs: int | None = None,
    n_people: int = 100,
    images_per_emotion: int = 6,
    split_people: tuple[float, float, float] = (0.7, 0.15, 0.15),
) -> float:
    """Rough wall time of the accuracy grid from measured CPU throughput.

    Per training: ``epochs`` x (step loop at the measured real throughput + evaluation
    of source val and target val at the measured evaluation rate). Source-only is
    trained once per seed, DANN and the oracle once per (shift, seed); the oracle is
    costed like source-only. Dataset generation is not included.
    """
    epochs = epochs or TrainConfig().epochs
    b = speed.get("settings", {}).get("batch_size", TrainConfig().batch_size)
    per_person = 7 * images_per_emotion
    n_val = round(split_people[1] * n_people)
    n_test = round(split_people[2] * n_people)
    n_train = (n_people - n_val - n_test) * per_person
    steps = math.ceil(n_train / b)
    eval_images = 2 * n_val * per_person
    real = speed["real"]
    so = real["source_only"]
    eval_rate = so["eval_images_per_epoch"] / max(so["eval_seconds_per_epoch"], 1e-9)

    def training(method: str) -> float:
        step_loop = steps * _images_per_step(method, b) / real[method]["images_per_s"]
        return epochs * (step_loop + eval_images / eval_rate)

    return n_seeds * (training("source_only") * (1 + n_shifts) + training("dann") * n_shifts)
