"""dannlib: domain-adversarial training (DANN) for facial-expression recognition, for teaching.

Source domain: men's faces, labelled. Target domain: women's faces, unlabelled.
The notebooks in ``notebooks/`` import this package (``import dannlib as dl``);
it is the single source of truth for every piece of logic they show.

Modules, in the order the notebooks introduce them:

* 01 data: :mod:`~dannlib.emotions`, :mod:`~dannlib.facs`, :mod:`~dannlib.synthfaces`,
  :mod:`~dannlib.realdata` (KDEF, men/women folders, CSV), :mod:`~dannlib.datasets`,
  :mod:`~dannlib.splits`, :mod:`~dannlib.transforms`, :mod:`~dannlib.explorer`
* 02 baseline: :mod:`~dannlib.config`, :mod:`~dannlib.training`, :mod:`~dannlib.batches`,
  :mod:`~dannlib.augment`, :mod:`~dannlib.evaluate`, :mod:`~dannlib.checkpoint`,
  :mod:`~dannlib.experiment`, :mod:`~dannlib.seed`
* 03 DANN: :mod:`~dannlib.grl`, :mod:`~dannlib.schedules`, :mod:`~dannlib.models`,
  :mod:`~dannlib.device`
* 04 features: :mod:`~dannlib.analysis` (t-SNE, proxy A-distance)
* 05 results: :mod:`~dannlib.plots`; :mod:`~dannlib.suite` runs them all (``make run``)
"""

from __future__ import annotations

from .analysis import proxy_a_distance, tsne_embedding
from .config import METHODS, ConfigError, TrainConfig
from .datasets import DomainDataset, FaceSet, UnlabelledFaces
from .device import describe_device, resolve_device
from .emotions import EMOTIONS, NUM_CLASSES, canonical_emotion
from .evaluate import classification_metrics, evaluate, extract_features, predict
from .experiment import (
    DATASETS,
    gap_recovered,
    load_dataset,
    read_summary,
    report,
    results_table,
    train_or_load,
    update_summary,
)
from .grl import GradientReversal, grad_reverse
from .models import DANN, build_model
from .schedules import dann_lr, grl_lambda
from .seed import set_seed
from .training import TrainingDivergedError, TrainResult, train

__version__ = "0.1.0"

__all__ = [
    "DANN",
    "DATASETS",
    "EMOTIONS",
    "METHODS",
    "NUM_CLASSES",
    "ConfigError",
    "DomainDataset",
    "FaceSet",
    "GradientReversal",
    "TrainConfig",
    "TrainResult",
    "TrainingDivergedError",
    "UnlabelledFaces",
    "build_model",
    "canonical_emotion",
    "classification_metrics",
    "dann_lr",
    "describe_device",
    "evaluate",
    "extract_features",
    "gap_recovered",
    "grad_reverse",
    "grl_lambda",
    "load_dataset",
    "predict",
    "proxy_a_distance",
    "read_summary",
    "report",
    "resolve_device",
    "results_table",
    "set_seed",
    "train",
    "train_or_load",
    "tsne_embedding",
    "update_summary",
]
