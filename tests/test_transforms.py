import pytest
import torch

from dannlib.transforms import IMAGENET_MEAN, face_transforms


@pytest.fixture
def batch() -> torch.Tensor:
    return torch.randint(
        0, 256, (4, 3, 16, 16), generator=torch.Generator().manual_seed(0), dtype=torch.uint8
    )


def test_train_transform_on_uint8_batch(batch):
    torch.manual_seed(0)
    y = face_transforms(train=True, image_size=24)(batch)
    assert y.shape == (4, 3, 24, 24) and y.dtype == torch.float32
    assert 0.0 <= y.min() and y.max() <= 1.0


def test_train_transform_is_random_but_seedable(batch):
    t = face_transforms(train=True, image_size=16)
    torch.manual_seed(1)
    a = t(batch)
    torch.manual_seed(1)
    assert torch.equal(a, t(batch))
    assert not torch.equal(a, t(batch))


def test_eval_transform_is_just_dtype(batch):
    y = face_transforms(train=False, image_size=16)(batch)
    assert torch.allclose(y, batch.float() / 255)


def test_grayscale_input_expanded(batch):
    gray = batch[:, :1]
    for train in (True, False):
        y = face_transforms(train=train, image_size=16)(gray)
        assert y.shape == (4, 3, 16, 16)
    y = face_transforms(train=False, image_size=16)(gray[0])
    assert torch.equal(y[0], y[1]) and torch.equal(y[1], y[2])
    z = face_transforms(train=False, image_size=16, grayscale=True)(batch)
    assert torch.equal(z[:, 0], z[:, 2])


def test_normalize_options(batch):
    x = torch.full((3, 8, 8), 255, dtype=torch.uint8)
    y = face_transforms(False, 8, normalize="imagenet")(x)
    assert torch.allclose(
        y[:, 0, 0], (1 - torch.tensor(IMAGENET_MEAN)) / torch.tensor([0.229, 0.224, 0.225])
    )
    y = face_transforms(False, 8, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))(x)
    assert torch.allclose(y, torch.ones_like(y))
    with pytest.raises(ValueError, match="normalize must be"):
        face_transforms(False, 8, normalize="fer")
    with pytest.raises(ValueError, match="not both"):
        face_transforms(False, 8, mean=(0.5,) * 3, std=(0.5,) * 3, normalize="imagenet")
    with pytest.raises(ValueError, match="both mean and std"):
        face_transforms(False, 8, mean=(0.5,) * 3)


def test_eval_resizes_other_sizes(batch):
    assert face_transforms(False, 8)(batch).shape == (4, 3, 8, 8)
