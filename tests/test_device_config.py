import pytest
import torch

from dannlib.config import ConfigError, TrainConfig
from dannlib.device import describe_device, resolve_device
from dannlib.seed import set_seed


def test_auto_device_falls_back_to_cpu():
    dev = resolve_device("auto")
    assert dev.type in ("cuda", "mps", "cpu")
    if not torch.cuda.is_available():
        assert dev.type != "cuda"
    assert resolve_device("cpu") == torch.device("cpu")
    assert describe_device(torch.device("cpu")).startswith("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_gpu_says_what_to_do():
    with pytest.raises(ValueError, match="no CUDA GPU is visible.*device='auto'"):
        resolve_device("cuda")


def test_unknown_device():
    with pytest.raises(ValueError, match="Unknown device 'gpu0'.*'auto'"):
        resolve_device("gpu0")


def test_config_round_trip_and_unknown_field():
    cfg = TrainConfig(method="source_only", epochs=3)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="Unknown TrainConfig field.*epoch"):
        TrainConfig.from_dict({"epoch": 3})


def test_select_and_lambda_validation():
    with pytest.raises(ConfigError, match="never uses target labels"):
        TrainConfig(select="target_val").validate()
    with pytest.raises(ConfigError, match="lambda_max"):
        TrainConfig(lambda_max=-1).validate()


def test_set_seed_reproducible():
    set_seed(3)
    a = torch.rand(3)
    set_seed(3)
    assert torch.equal(a, torch.rand(3))
    with pytest.raises(ValueError, match="non-negative integer"):
        set_seed(-1)
