import torch

from dannlib.batches import BatchStream, eval_batches


def _stream(n=10, bs=4, labels=True, seed=0):
    imgs = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 3, 2, 2).contiguous()
    return BatchStream(imgs, torch.arange(n) if labels else None, bs, seed, torch.device("cpu"))


def test_batches_are_full_and_cycle_through_every_image():
    s = _stream(n=10, bs=4)
    seen = []
    for _ in range(5):  # 20 images = two full passes
        x, y = s.next()
        assert x.shape == (4, 3, 2, 2) and x.dtype == torch.float32
        assert torch.equal((x[:, 0, 0, 0] * 255).round().long(), y)
        seen += y.tolist()
    assert sorted(seen[:10]) == list(range(10)) and sorted(seen[10:]) == list(range(10))


def test_unlabelled_stream_yields_images_only():
    x = _stream(labels=False).next()
    assert isinstance(x, torch.Tensor) and x.shape[0] == 4


def test_state_dict_resumes_exactly():
    a = _stream(seed=5)
    a.next()
    state = a.state_dict()
    expected = [a.next()[1].tolist() for _ in range(4)]
    b = _stream(seed=99)
    b.load_state_dict(state)
    assert [b.next()[1].tolist() for _ in range(4)] == expected


def test_eval_batches_in_order():
    imgs = torch.zeros(5, 3, 2, 2, dtype=torch.uint8)
    sizes = [len(x) for x in eval_batches(imgs, 2, torch.device("cpu"))]
    assert sizes == [2, 2, 1]
