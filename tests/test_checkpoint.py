import pytest
import torch

from dannlib.checkpoint import load_checkpoint, save_checkpoint


def test_round_trip(tmp_path):
    path = save_checkpoint(tmp_path / "a" / "c.pt", {"model": {"w": torch.ones(2)}, "config": {}})
    assert torch.equal(load_checkpoint(path)["model"]["w"], torch.ones(2))
    assert not (tmp_path / "a" / "c.pt.tmp").exists()


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        load_checkpoint(tmp_path / "nope.pt")
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a dannlib checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
