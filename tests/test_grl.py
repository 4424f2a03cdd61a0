import torch

from dannlib.grl import GradientReversal, grad_reverse


def test_forward_is_identity():
    x = torch.randn(5, 3)
    assert torch.equal(GradientReversal(0.7)(x), x)


def test_backward_multiplies_by_minus_lambda():
    x = torch.randn(4, 3, requires_grad=True)
    grad_reverse(x, 0.5).sum().backward()
    assert torch.allclose(x.grad, torch.full_like(x, -0.5))


def test_gradcheck():
    """gradcheck compares backward with finite differences of forward (the identity).

    With lambda = -1 the reversal's backward *is* the true derivative, so gradcheck
    must pass; with lambda = 1 the gradient is reversed, so gradcheck must fail.
    """
    x = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: grad_reverse(t, -1.0), (x,))
    reversed_ok = torch.autograd.gradcheck(
        lambda t: grad_reverse(t, 1.0), (x,), raise_exception=False
    )
    assert reversed_ok is False


def test_lambda_zero_blocks_gradient():
    x = torch.randn(2, 2, requires_grad=True)
    GradientReversal(0.0)(x).pow(2).sum().backward()
    assert torch.count_nonzero(x.grad) == 0


def test_lambda_settable_per_step():
    grl = GradientReversal()
    for lam in (0.0, 0.25, 1.0):
        grl.lambda_ = lam
        x = torch.ones(3, requires_grad=True)
        grl(x).sum().backward()
        assert torch.allclose(x.grad, torch.full((3,), -lam))
