import math

import pytest

from dannlib.schedules import dann_lr, grl_lambda, progress


def test_lambda_by_hand():
    assert grl_lambda(0.0) == 0.0
    # 2 / (1 + e^-5) - 1 = 0.98661429815...
    assert grl_lambda(0.5) == pytest.approx(0.9866142981514305, abs=1e-12)
    assert grl_lambda(0.1) == pytest.approx(2 / (1 + math.exp(-1)) - 1, abs=1e-12)
    assert grl_lambda(0.1) == pytest.approx(0.46211715726000974, abs=1e-12)
    assert grl_lambda(1.0, lambda_max=0.5) == pytest.approx(0.5 * 0.9999092042625951)


def test_lr_by_hand():
    assert dann_lr(0.0, lr0=0.01) == 0.01
    # 0.01 / (1 + 10)^0.75 = 0.01 / 6.04004...
    assert dann_lr(1.0, lr0=0.01) == pytest.approx(0.00165560026, rel=1e-8)
    assert dann_lr(0.5, lr0=0.01) == pytest.approx(0.01 / 6**0.75, rel=1e-12)


def test_progress_is_over_whole_run():
    assert progress(0, 300) == 0.0
    assert progress(150, 300) == 0.5
    assert progress(400, 300) == 1.0
    with pytest.raises(ValueError, match="total_steps"):
        progress(1, 0)
