"""The three parts of DANN: feature extractor, label predictor, domain classifier (notebook 03).

Inputs to every model are float images in [0, 1], shape ``[B, 3, H, W]``; the
feature extractor normalises them itself, so loaders never need to know which
normalisation a backbone expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .emotions import NUM_CLASSES
from .grl import GradientReversal

__all__ = [
    "SmallCNN",
    "ResNet18Features",
    "LabelPredictor",
    "DomainClassifier",
    "DANN",
    "DANNOutput",
    "build_model",
    "BACKBONES",
]

BACKBONES: tuple[str, ...] = ("small_cnn", "resnet18")


class _Normalize(nn.Module):
    """Fixed per-channel normalisation held as buffers (moves with the model)."""

    def __init__(self, mean: tuple[float, ...], std: tuple[float, ...]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class SmallCNN(nn.Module):
    """A small CNN feature extractor that trains on a laptop CPU in minutes.

    Three conv-BN-ReLU-pool blocks, an adaptive pool to 6x6 (so any image size from
    32 px up works; at the default 48 px it keeps the full 6x6 map, so the layout of
    brows, eyes and mouth survives) and a fully connected layer to ``feature_dim``
    features. There is no BatchNorm on the features themselves: with per-domain
    batches it would normalise away the very domain difference that the domain
    classifier must see.

    Parameters
    ----------
    channels : tuple of int
        Output channels of the three conv blocks.
    feature_dim : int
        Size of the feature vector handed to both heads.
    """

    def __init__(self, channels: tuple[int, int, int] = (16, 32, 64), feature_dim: int = 128):
        super().__init__()
        c1, c2, c3 = channels
        self.normalize = _Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
        self.conv = nn.Sequential(_conv_block(3, c1), _conv_block(c1, c2), _conv_block(c2, c3))
        self.pool = nn.AdaptiveAvgPool2d(6)
        self.fc = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.2), nn.Linear(c3 * 36, feature_dim), nn.ReLU()
        )
        self.feature_dim = feature_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.conv(self.normalize(x))))


class ResNet18Features(nn.Module):
    """torchvision's ResNet-18 without its classifier: 512 features per image.

    Parameters
    ----------
    weights : None, str or path
        ``None`` (default): random initialisation, works offline.
        ``"IMAGENET1K_V1"`` / ``"DEFAULT"``: torchvision's weights API (downloads once
        into the torch hub cache unless already cached there).
        A path to a local ``.pth`` state_dict (for example a cached copy of those weights):
        loaded offline; ``fc.*`` keys are ignored.
    """

    def __init__(self, weights: str | Path | None = None) -> None:
        super().__init__()
        from torchvision.models import ResNet18_Weights, resnet18

        tv_weights = None
        local_path: Path | None = None
        if weights is not None:
            if Path(str(weights)).suffix in {".pth", ".pt"} or Path(str(weights)).exists():
                local_path = Path(weights)
                if not local_path.is_file():
                    raise FileNotFoundError(
                        f"ResNet-18 weights file {local_path} does not exist. Pass weights=None "
                        "for random initialisation, or the path of a saved state_dict."
                    )
            else:
                try:
                    tv_weights = (
                        ResNet18_Weights[str(weights)]
                        if weights != "DEFAULT"
                        else (ResNet18_Weights.DEFAULT)
                    )
                except KeyError:
                    valid = ["DEFAULT"] + [w.name for w in ResNet18_Weights]
                    raise ValueError(
                        f"Unknown ResNet-18 weights {weights!r}. Use None, one of {valid}, "
                        "or the path of a local .pth state_dict."
                    ) from None
        net = resnet18(weights=tv_weights)
        if local_path is not None:
            state = torch.load(local_path, map_location="cpu", weights_only=True)
            state = {k: v for k, v in state.items() if not k.startswith("fc.")}
            missing, unexpected = net.load_state_dict(state, strict=False)
            missing = [k for k in missing if not k.startswith("fc.")]
            if missing or unexpected:
                raise ValueError(
                    f"{local_path} is not a ResNet-18 state_dict: missing keys {missing[:5]}, "
                    f"unexpected keys {list(unexpected)[:5]}."
                )
        self.normalize = _Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
        net.fc = nn.Identity()
        self.net = net
        self.feature_dim = 512

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.normalize(x))


class LabelPredictor(nn.Module):
    """Emotion classifier head: features -> ``num_classes`` logits."""

    def __init__(self, feature_dim: int, num_classes: int = NUM_CLASSES, hidden: int = 128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(feature_dim, hidden),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(hidden, num_classes),
        )
        self.num_classes = num_classes

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return self.net(f)


class DomainClassifier(nn.Module):
    """Domain head: features -> one logit (source = 0, target = 1)."""

    def __init__(self, feature_dim: int, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(feature_dim, hidden),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return self.net(f).squeeze(-1)


@dataclass
class DANNOutput:
    """What :class:`DANN` returns: class logits, domain logits and the features."""

    class_logits: torch.Tensor
    domain_logits: torch.Tensor | None
    features: torch.Tensor


class DANN(nn.Module):
    """Feature extractor + label predictor + domain classifier behind a gradient reversal layer.

    The same model serves all three methods: ``source_only`` and ``target_oracle``
    simply never use the domain head.
    """

    def __init__(
        self,
        features: nn.Module,
        num_classes: int = NUM_CLASSES,
        hidden: int = 128,
    ) -> None:
        super().__init__()
        dim = int(features.feature_dim)
        self.features = features
        self.label_predictor = LabelPredictor(dim, num_classes, hidden)
        self.grl = GradientReversal(0.0)
        self.domain_classifier = DomainClassifier(dim, hidden)
        self.num_classes = num_classes

    def forward(self, x: torch.Tensor, with_domain: bool = True) -> DANNOutput:
        f = self.features(x)
        logits = self.label_predictor(f)
        dom = self.domain_classifier(self.grl(f)) if with_domain else None
        return DANNOutput(logits, dom, f)


def build_model(
    backbone: str = "small_cnn",
    num_classes: int = NUM_CLASSES,
    weights: str | Path | None = None,
    feature_dim: int = 128,
) -> DANN:
    """Build a :class:`DANN` with the named backbone (``"small_cnn"`` or ``"resnet18"``)."""
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
    if backbone == "small_cnn":
        if weights is not None:
            raise ValueError(
                "small_cnn has no pretrained weights; pass weights=None or use backbone='resnet18'."
            )
        feats: nn.Module = SmallCNN(feature_dim=feature_dim)
    elif backbone == "resnet18":
        feats = ResNet18Features(weights)
    else:
        raise ValueError(f"Unknown backbone {backbone!r}. Use one of {list(BACKBONES)}.")
    return DANN(feats, num_classes=num_classes)
