import torch
import torch.nn.functional as F

from dannlib.augment import BatchAugment, _base_grid


def test_base_grid_matches_affine_grid():
    theta = torch.tensor([[[0.9, -0.2, 0.05], [0.2, 0.9, -0.1]]])
    ours = (_base_grid(6, 5, torch.device("cpu"), torch.float32) @ theta.transpose(1, 2)).view(
        1, 6, 5, 2
    )
    ref = F.affine_grid(theta, [1, 3, 6, 5], align_corners=False)
    assert torch.allclose(ours, ref, atol=1e-6)


def test_identity_settings_leave_images_unchanged():
    x = torch.rand(4, 3, 16, 16)
    aug = BatchAugment(
        rotation_deg=0, scale=(1, 1), translate=0, flip=False, brightness=0, contrast=0
    )
    assert torch.allclose(aug(x, torch.Generator().manual_seed(0)), x, atol=1e-5)


def test_flip_only_mirrors():
    x = torch.rand(64, 3, 8, 8)
    aug = BatchAugment(
        rotation_deg=0, scale=(1, 1), translate=0, flip=True, brightness=0, contrast=0
    )
    y = aug(x, torch.Generator().manual_seed(0))
    mirrored = torch.isclose(y, x.flip(-1), atol=1e-5).flatten(1).all(1)
    same = torch.isclose(y, x, atol=1e-5).flatten(1).all(1)
    assert bool((mirrored | same).all()) and 10 < int(mirrored.sum()) < 54


def test_seeded_and_in_range():
    x = torch.rand(8, 3, 24, 24)
    a = BatchAugment()(x, torch.Generator().manual_seed(3))
    b = BatchAugment()(x, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.min() >= 0 and a.max() <= 1
    assert not torch.allclose(a, x)
