"""Evaluation: predictions, accuracy metrics, per-domain gap (introduced in notebook 02).

Target-domain labels appear here and only here: to *report* accuracy after
training, never to train or to select a model.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, f1_score

from .batches import eval_batches
from .datasets import FaceSet
from .emotions import EMOTIONS

__all__ = ["predict", "extract_features", "classification_metrics", "evaluate", "domain_gap"]


@torch.no_grad()
def predict(
    model: torch.nn.Module,
    faces: FaceSet,
    batch_size: int = 256,
    device: torch.device | None = None,
) -> np.ndarray:
    """Predicted class index for every image of ``faces`` (model in eval mode)."""
    return _run(model, faces.images, batch_size, device, want="pred")


@torch.no_grad()
def extract_features(
    model: torch.nn.Module,
    images: torch.Tensor,
    batch_size: int = 256,
    device: torch.device | None = None,
) -> np.ndarray:
    """Feature-extractor outputs ``[N, feature_dim]`` for ``uint8`` images (for t-SNE, PAD)."""
    return _run(model, images, batch_size, device, want="features")


def _run(model, images, batch_size, device, want):
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = []
    for x in eval_batches(images, batch_size, device):
        res = model(x, with_domain=False)
        out.append(res.class_logits.argmax(1) if want == "pred" else res.features.float())
    model.train(was_training)
    return torch.cat(out).cpu().numpy()


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 7) -> dict:
    """Accuracy, balanced accuracy, macro-F1 and the confusion matrix (rows = true)."""
    labels = list(range(num_classes))
    return {
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else float("nan"),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        ),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "n": int(len(y_true)),
    }


def evaluate(model: torch.nn.Module, faces: FaceSet, batch_size: int = 256, device=None) -> dict:
    """All metrics of ``model`` on ``faces``, plus per-emotion accuracy."""
    y = faces.labels.numpy()
    pred = predict(model, faces, batch_size, device)
    m = classification_metrics(y, pred, num_classes=len(EMOTIONS))
    m["per_emotion_accuracy"] = {
        e: float(np.mean(pred[y == i] == i)) if np.any(y == i) else float("nan")
        for i, e in enumerate(EMOTIONS)
    }
    m["domain"], m["split"] = faces.domain, faces.split
    return m


def domain_gap(source_acc: float, target_acc: float) -> float:
    """Source minus target accuracy (men - women by default), in the same units."""
    return float(source_acc - target_acc)
