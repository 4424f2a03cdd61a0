"""Saving and loading training checkpoints (introduced in notebook 02).

A checkpoint holds everything needed to resume a run exactly where it stopped:
model, optimiser and grad-scaler state, the history so far, the configuration,
the random-number states and the positions of the batch streams.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

__all__ = ["save_checkpoint", "load_checkpoint"]


def save_checkpoint(path: str | Path, state: dict) -> Path:
    """Write ``state`` to ``path`` atomically (write a temporary file, then rename).

    An interrupted save therefore never destroys the previous good checkpoint.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint written by :func:`save_checkpoint`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (the message names it).
    ValueError
        If the file is not a dannlib checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}. Train first, or check output_dir.")
    try:
        state = torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # noqa: BLE001 - re-raised with the path and the fix
        raise ValueError(
            f"{path} is not a readable checkpoint ({exc}). Delete it and retrain."
        ) from exc
    if not isinstance(state, dict) or "model" not in state or "config" not in state:
        raise ValueError(
            f"{path} is not a dannlib checkpoint (no model/config). Delete it and retrain."
        )
    return state
