from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dannlib.imageio import (
    ImageDecodeError,
    decode_images,
    find_image_files,
    is_image_file,
    load_face_image,
)
from dannlib.manifest import DatasetError
from dannlib.realdata import load_real_dataset
from fixtures_real import make_folder_tree, write_broken_images, write_special_images


@pytest.fixture(scope="module")
def special(tmp_path_factory) -> dict[str, Path]:
    return write_special_images(tmp_path_factory.mktemp("special"), size=20)


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> dict[str, Path]:
    return write_broken_images(tmp_path_factory.mktemp("broken"))


def test_modes_become_rgb(special):
    for kind, path in special.items():
        x = load_face_image(path, image_size=16)
        assert x.dtype == torch.uint8 and x.shape == (3, 16, 16), kind
    assert (load_face_image(special["cmyk"], 16) >= 250).all()  # CMYK white stays white
    gray = load_face_image(special["gray"], 16)
    assert (gray == 77).all()  # L -> three equal channels
    assert (load_face_image(special["palette"], 16)[:, 5, 5] == torch.tensor([10, 200, 30])).all()


def test_rgba_composited_on_white(special):
    x = load_face_image(special["rgba"], 20)
    assert x[:, 10, 2].tolist() == [0, 0, 255]  # opaque blue kept
    assert x[:, 10, 17].tolist() == [255, 255, 255]  # transparent red -> white


def test_16bit_scaled_not_clipped(special):
    assert Image.open(special["gray16"]).mode.startswith("I")
    x = load_face_image(special["gray16"], 20)
    assert x[:, 10, 2].tolist() == [128, 128, 128]  # 32896 / 257
    assert x[:, 10, 17].tolist() == [255, 255, 255]  # 65535


def test_center_crop_then_resize(special):
    x = load_face_image(special["wide"], 10)  # 40x20 red|green|green|blue -> centre is green
    assert x[:, 5, 5].tolist() == [0, 255, 0]
    assert (x[1] > 200).float().mean() > 0.8


def test_grayscale_option(special):
    x = load_face_image(special["wide"], 10, grayscale=True)
    assert torch.equal(x[0], x[1]) and torch.equal(x[1], x[2])


@pytest.mark.parametrize(
    "kind, reason",
    [("corrupt", "not a readable image"), ("truncated", "truncated"), ("empty", "0 bytes")],
)
def test_broken_files_name_path_and_fix(broken, kind, reason):
    with pytest.raises(ImageDecodeError) as err:
        load_face_image(broken[kind], 16)
    msg = str(err.value)
    assert str(broken[kind]) in msg and reason in msg
    assert "delete or re-export" in msg and "on_error='skip'" in msg
    assert isinstance(err.value, DatasetError)


def test_decode_images_reports_failures(special, broken):
    paths = [special["gray"], broken["corrupt"], special["rgba"], broken["empty"]]
    out = decode_images(paths, 8)
    assert out.images.shape == (2, 3, 8, 8) and out.kept.tolist() == [0, 2]
    assert [p for p, _ in out.failures] == [str(broken["corrupt"]), str(broken["empty"])]


def test_decode_with_two_workers_matches(special, broken):
    paths = list(special.values()) + [broken["truncated"]]
    serial = decode_images(paths, 12)
    parallel = decode_images(paths, 12, num_workers=2, batch_size=2)
    assert torch.equal(serial.images, parallel.images)
    assert serial.failures == parallel.failures and len(parallel.failures) == 1


def test_image_file_listing(tmp_path):
    assert is_image_file("a/B.JPG") and is_image_file("x.jpeg") and not is_image_file("x.txt")
    (tmp_path / "sub").mkdir()
    for name in ("a.png", "sub/b.JPG", "._a.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "c.jpg").write_bytes(b"x")
    images, n_other = find_image_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in images] == ["a.png", "sub/b.JPG"]
    assert n_other == 1


def test_loader_raise_or_skip_every_broken_file(tmp_path):
    root = make_folder_tree(tmp_path, size=8)
    bad = write_broken_images(root / "Female" / "train" / "Happy")
    with pytest.raises(ImageDecodeError, match="3 image file\\(s\\) could not be decoded") as err:
        load_real_dataset("folders", root, image_size=8)
    assert all(str(p) in str(err.value) for p in bad.values())
    with pytest.warns(UserWarning, match="Skipped 3 file"):
        ds = load_real_dataset("folders", root, image_size=8, on_error="skip")
    assert sorted(p for p, _ in ds.skipped) == sorted(str(p) for p in bad.values())
    assert sum(len(fs) for fs in ds.sets.values()) == 2 * 28
    assert "skipped 3 file(s)" in ds.summary()


def test_loader_with_workers(tmp_path):
    root = make_folder_tree(tmp_path, size=8, n_per_class={"train": 2, "val": 1})
    a = load_real_dataset("folders", root, image_size=8)
    b = load_real_dataset("folders", root, image_size=8, num_workers=2)
    assert all(torch.equal(a.sets[k].images, b.sets[k].images) for k in a.sets)
    assert np.array_equal(a.get("men", "test").subjects, b.get("men", "test").subjects)
