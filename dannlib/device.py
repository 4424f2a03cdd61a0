"""Choosing the compute device (introduced in notebook 03)."""

from __future__ import annotations

import torch

__all__ = ["resolve_device", "describe_device"]

_VALID = "'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto"`` / ``"cpu"`` / ``"cuda"`` / ``"cuda:N"`` / ``"mps"`` into a ``torch.device``.

    ``"auto"`` picks CUDA, then Apple's MPS, then the CPU.

    Raises
    ------
    ValueError
        For an unknown device name, or one that this machine does not have; the message
        says what is available.
    """
    if isinstance(device, torch.device):
        return device
    name = str(device).strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ValueError(
                "device='mps' was asked for, but MPS is not available here. "
                "Use device='auto' or device='cpu'."
            )
        return torch.device("mps")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was asked for, but no CUDA GPU is visible. "
                "Use device='auto' (falls back to the CPU) or device='cpu'."
            )
        if ":" in name:
            idx = name.split(":", 1)[1]
            if not idx.isdigit() or int(idx) >= torch.cuda.device_count():
                raise ValueError(
                    f"device={device!r}: there are {torch.cuda.device_count()} "
                    "CUDA device(s); use cuda:0 .. cuda:N-1."
                )
        return torch.device(name)
    raise ValueError(f"Unknown device {device!r}. Use one of {_VALID}.")


def describe_device(device: torch.device) -> str:
    """A human-readable name, e.g. ``'cuda (NVIDIA H100)'`` or ``'cpu (2 threads)'``."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
