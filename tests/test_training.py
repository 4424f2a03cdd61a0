import math

import numpy as np
import pytest
import torch

from dannlib.checkpoint import load_checkpoint
from dannlib.config import ConfigError, TrainConfig
from dannlib.datasets import DomainDataset, FaceSet
from dannlib.schedules import dann_lr
from dannlib.training import TrainingDivergedError, fit, train, training_streams
from toy_data import make_toy_dataset

FAST = dict(epochs=2, batch_size=16, progress=False, device="cpu")


@pytest.fixture(scope="module")
def toy():
    return make_toy_dataset(people=3, per_class=2, size=32)


def _strip_seconds(history):
    return [{k: v for k, v in h.items() if k not in ("seconds", "images_per_s")} for h in history]


def test_end_to_end_tiny_dann(toy):
    res = train(toy, method="dann", **FAST)
    assert [h["epoch"] for h in res.history] == [1, 2]
    h = res.history[-1]
    assert set(h) >= {"label_loss", "domain_loss", "domain_acc", "lambda", "lr",
                      "source_val_acc", "target_val_acc_monitor_only"}  # fmt: skip
    assert math.isfinite(h["label_loss"]) and 0.0 <= h["domain_acc"] <= 1.0
    assert 0.0 < h["lambda"] < 1.0 and h["lr"] < 0.01
    assert not res.model.training


@pytest.mark.parametrize("method", ["source_only", "target_oracle"])
def test_other_methods_run(toy, method):
    res = train(toy, method=method, **FAST)
    assert res.history[-1]["domain_loss"] is None


def test_source_only_learns_source_task():
    ds = make_toy_dataset(people=4, per_class=3, size=32)
    # no flips: the toy classes are positions, which a horizontal flip would swap
    res = train(ds, method="source_only", epochs=8, batch_size=16, progress=False, augment=False)
    assert res.history[-1]["source_val_acc"] > 0.6  # chance is 1/7


def test_streams_give_dann_no_target_labels(toy):
    labelled, unlabelled, val, _ = training_streams(toy, "dann")
    assert labelled.domain == "men" and val.domain == "men"
    assert unlabelled.domain == "women" and not hasattr(unlabelled, "labels")


def test_dann_never_uses_target_labels(toy):
    """Scrambling every women's label changes nothing that DANN trains or selects on."""
    rng = np.random.default_rng(0)
    sets = {}
    for (d, s), fs in toy.sets.items():
        labels = fs.labels
        if d == "women":
            labels = torch.from_numpy(rng.permutation(fs.labels.numpy()))
        sets[(d, s)] = FaceSet(fs.images, labels, fs.subjects, d, s)
    scrambled = DomainDataset("toy", "men", "women", sets)
    a = train(toy, method="dann", select="source_val", **FAST)
    b = train(scrambled, method="dann", select="source_val", **FAST)
    for pa, pb in zip(a.model.state_dict().values(), b.model.state_dict().values()):
        assert torch.equal(pa, pb)
    keys = ["label_loss", "domain_loss", "domain_acc", "source_val_acc"]
    assert [[h[k] for k in keys] for h in a.history] == [[h[k] for k in keys] for h in b.history]
    assert a.best_epoch == b.best_epoch


def test_fit_refuses_a_labelled_target_stream(toy):
    cfg = TrainConfig(method="dann", **FAST)
    women = toy.get("women", "train")
    with pytest.raises(ConfigError, match="images only"):
        fit(toy.get("men", "train"), women, toy.get("men", "val"), cfg)


def test_resume_gives_same_history(toy, tmp_path):
    full = train(toy, method="dann", epochs=3, batch_size=16, progress=False)

    class Interrupt(Exception):
        pass

    def stop_after_two(record):
        if record["epoch"] == 2:
            raise Interrupt

    ckpt = tmp_path / "dann.pt"
    with pytest.raises(Interrupt):
        train(toy, method="dann", epochs=3, batch_size=16, progress=False,
              checkpoint_path=ckpt, on_epoch_end=stop_after_two)  # fmt: skip
    assert load_checkpoint(ckpt)["epoch"] == 2
    resumed = train(toy, method="dann", epochs=3, batch_size=16, progress=False,
                    checkpoint_path=ckpt)  # fmt: skip
    assert resumed.resumed
    assert _strip_seconds(resumed.history) == _strip_seconds(full.history)
    for pa, pb in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(pa, pb)


def test_complete_checkpoint_is_reused_without_training(toy, tmp_path):
    ckpt = tmp_path / "so.pt"
    first = train(toy, method="source_only", checkpoint_path=ckpt, **FAST)
    again = train(toy, method="source_only", checkpoint_path=ckpt, **FAST)
    assert again.resumed and again.history == first.history


def test_checkpoint_with_other_config_is_refused(toy, tmp_path):
    ckpt = tmp_path / "so.pt"
    train(toy, method="source_only", checkpoint_path=ckpt, **FAST)
    with pytest.raises(ConfigError, match="another configuration.*lr"):
        train(toy, method="source_only", checkpoint_path=ckpt, lr=0.5, **FAST)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(toy, tmp_path):
    ckpt = tmp_path / "dann.pt"
    cfg = TrainConfig(method="dann", epochs=3, batch_size=16, progress=False)
    labelled, unlabelled, val, _ = training_streams(toy, "dann")
    from dannlib.models import build_model

    torch.manual_seed(0)
    model = build_model()

    def poison(record):
        if record["epoch"] == 1:
            with torch.no_grad():
                model.label_predictor.net[-1].weight.fill_(float("nan"))

    with pytest.raises(TrainingDivergedError, match="NaN.*epoch 2.*epoch 1.*was kept"):
        fit(labelled, unlabelled, val, cfg, model=model, checkpoint_path=ckpt, on_epoch_end=poison)
    state = load_checkpoint(ckpt)
    assert state["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in state["model"].values() if v.is_floating_point())


def test_select_source_val_keeps_best_epoch(toy):
    res = train(toy, method="source_only", select="source_val", epochs=3, batch_size=16,
                progress=False)  # fmt: skip
    accs = [h["source_val_acc"] for h in res.history]
    assert accs[res.best_epoch - 1] == max(accs)


@pytest.mark.parametrize(
    "override, message",
    [
        (dict(method="adda"), r"Unknown method 'adda'.*source_only"),
        (dict(epochs=0), r"epochs must be a positive integer, got 0"),
        (dict(epochs=-3), r"epochs must be a positive integer, got -3"),
        (dict(batch_size=10_000), r"batch_size=10000 is larger than the 'men' training set"),
        (dict(device="tpu"), r"Unknown device 'tpu'"),
        (dict(optimizer="rmsprop"), r"Unknown optimizer 'rmsprop'"),
        (dict(lr=0.0), r"lr must be positive"),
    ],
)
def test_bad_parameters_are_refused(toy, override, message):
    with pytest.raises((ConfigError, ValueError), match=message):
        train(toy, **{**FAST, **override})


def test_empty_target_domain_is_refused(toy):
    women = toy.get("women", "train")
    empty = FaceSet(women.images[:0], women.labels[:0], women.subjects[:0], "women", "train")
    ds = DomainDataset("toy", "men", "women", {**toy.sets, ("women", "train"): empty})
    with pytest.raises(ConfigError, match="domain 'women' has none"):
        train(ds, method="dann", **FAST)


def test_empty_source_domain_is_refused(toy):
    men = toy.get("men", "train")
    empty = FaceSet(men.images[:0], men.labels[:0], men.subjects[:0], "men", "train")
    ds = DomainDataset("toy", "men", "women", {**toy.sets, ("men", "train"): empty})
    with pytest.raises(ConfigError, match="'men' has no images"):
        train(ds, method="source_only", **FAST)


def test_wrong_number_of_classes_is_refused(toy):
    from dannlib.models import build_model

    labelled, unlabelled, val, _ = training_streams(toy, "source_only")
    cfg = TrainConfig(method="source_only", **FAST)
    with pytest.raises(ConfigError, match="model predicts 3 classes.*num_classes=7"):
        fit(labelled, None, val, cfg, model=build_model(num_classes=3))


def test_concatenated_batches_option_runs(toy):
    res = train(toy, method="dann", separate_batches=False, **FAST)
    assert len(res.history) == 2


def test_epoch_covers_larger_domain(toy):
    """An epoch is a pass over the larger domain: the smaller one cycles."""
    men = toy.get("men", "train")
    half = FaceSet(men.images[:21], men.labels[:21], men.subjects[:21], "men", "train")
    ds = DomainDataset("toy", "men", "women", {**toy.sets, ("men", "train"): half})
    res = train(ds, method="dann", epochs=1, batch_size=8, progress=False)
    # 42 women images / 8 -> 6 steps (not ceil(21 / 8) = 3); the last step has p = 5/6
    assert len(toy.get("women", "train")) == 42
    assert res.history[0]["lr"] == pytest.approx(dann_lr(5 / 6, res.config.lr))


def test_step_losses_shapes():
    from dannlib.models import build_model
    from dannlib.training import step_losses

    torch.manual_seed(0)
    model = build_model()
    xs, ys, xt = torch.rand(4, 3, 32, 32), torch.tensor([0, 1, 2, 3]), torch.rand(4, 3, 32, 32)
    label_loss, domain_loss, dom, dom_y = step_losses(model, xs, ys)
    assert label_loss.ndim == 0 and domain_loss is None and dom is None
    for separate in (True, False):
        label_loss, domain_loss, dom, dom_y = step_losses(model, xs, ys, xt, separate)
        assert dom.shape == (8,) and dom_y.tolist() == [0.0] * 4 + [1.0] * 4
        assert torch.isfinite(label_loss + domain_loss)
