import pytest
import torch

from dannlib.models import DANN, ResNet18Features, build_model


@pytest.mark.parametrize("size", [32, 48, 64])
def test_small_cnn_shapes(size):
    torch.manual_seed(0)
    model = build_model("small_cnn").eval()
    out = model(torch.rand(2, 3, size, size))
    assert out.class_logits.shape == (2, 7)
    assert out.domain_logits.shape == (2,)
    assert out.features.shape == (2, 128)


def test_without_domain_head():
    out = build_model().eval()(torch.rand(2, 3, 48, 48), with_domain=False)
    assert out.domain_logits is None


def test_resnet18_shapes_no_weights():
    model = build_model("resnet18").eval()
    out = model(torch.rand(1, 3, 64, 64))
    assert out.features.shape == (1, 512) and out.class_logits.shape == (1, 7)


def test_resnet18_loads_local_state_dict_offline(tmp_path):
    torch.manual_seed(1)
    reference = ResNet18Features()
    # a locally cached torchvision-style state_dict (with the fc layer it would have)
    state = {f"{k}": v for k, v in reference.net.state_dict().items()}
    state["fc.weight"], state["fc.bias"] = torch.zeros(1000, 512), torch.zeros(1000)
    path = tmp_path / "resnet18-cached.pth"
    torch.save(state, path)
    loaded = ResNet18Features(weights=path)
    w0 = reference.net.conv1.weight
    assert torch.equal(loaded.net.conv1.weight, w0)


def test_resnet18_rejects_wrong_state_dict(tmp_path):
    path = tmp_path / "bad.pth"
    torch.save({"foo": torch.zeros(1)}, path)
    with pytest.raises(ValueError, match="not a ResNet-18 state_dict"):
        ResNet18Features(weights=path)


def test_bad_model_args():
    with pytest.raises(ValueError, match="Unknown backbone 'vgg'"):
        build_model("vgg")
    with pytest.raises(ValueError, match="num_classes"):
        build_model(num_classes=1)
    with pytest.raises(ValueError, match="Unknown ResNet-18 weights"):
        ResNet18Features(weights="NOPE")
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        ResNet18Features(weights="missing.pth")


def test_dann_parts():
    model = build_model()
    assert isinstance(model, DANN)
    assert {"features", "label_predictor", "grl", "domain_classifier"} <= set(
        dict(model.named_children())
    )
