"""Saved fine-tuned layers are byte-reproducible: equal weights give an equal file, so the manifest's sha256 repeats."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from safetensors import safe_open

from tonecheck.detect.classifier.encoder import save_top_layers, sort_metadata


def _layers() -> list[torch.nn.Module]:
    torch.manual_seed(0)
    return [torch.nn.Linear(4, 3), torch.nn.Linear(3, 2)]


def test_equal_layers_give_byte_identical_files(tmp_path: Path) -> None:
    layers = _layers()
    digests = set()
    # safetensors orders metadata by hash map: unsorted, two keys came out in both orders within 8 saves.
    for i in range(8):
        path = tmp_path / f"top-{i}.safetensors"
        save_top_layers(layers, path, depth=4)
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    assert len(digests) == 1
    with safe_open(str(tmp_path / "top-0.safetensors"), framework="pt") as fh:
        assert fh.metadata() == {"depth": "4", "layers": "2"}
        assert torch.equal(fh.get_tensor("1.weight"), layers[1].weight.detach().to(torch.float16))


def test_sorting_keeps_the_file_readable_and_its_size(tmp_path: Path) -> None:
    path = tmp_path / "top.safetensors"
    save_top_layers(_layers(), path, depth=6)
    size = path.stat().st_size
    sort_metadata(path)  # already sorted: a second pass changes nothing
    assert path.stat().st_size == size
    assert path.read_bytes()[8:].split(b'"__metadata__":', 1)[1].startswith(b'{"depth":"6","layers":"2"}')
