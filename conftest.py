"""Root pytest hooks for nbval (``make test`` runs nbval on ``notebooks/``).

nbval compares stderr too; warnings and progress bars there are noise, not results,
so stderr is left out of every comparison.
"""

import os

os.environ.setdefault("TQDM_DISABLE", "1")


def pytest_collectstart(collector):
    if hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")
