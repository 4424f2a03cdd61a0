"""dannlib's benchmark suite: ``make bench`` (``python -m benchmarks.run``).

* :mod:`benchmarks.accuracy`: source-only, DANN and the target oracle on SynthFaces
  over a grid of imaging shifts and seeds, with the calibration checks of the data.
* :mod:`benchmarks.speed`: CPU training throughput through :func:`dannlib.training.train`
  against the compute limit of the same steps on tensors already in memory.
* :mod:`benchmarks.report`: ``results.md``, the accuracy-vs-shift figure and a README snippet.
* :mod:`benchmarks.run`: the command line; merges every part into ``results.json``.
* ``benchmarks/gpu_check.sh`` / ``gpu_check.py``: a short check on a CUDA GPU.
"""

from __future__ import annotations

__all__ = ["accuracy", "speed", "report", "run"]
