"""The training engine's speed features: raw bytes on the device, fused optimisers, compile,
and (on a GPU) AMP, channels-last and compile giving the ranking the CPU gives."""

from __future__ import annotations

import random
from functools import partial

import pytest
import torch

from nasrun.data import Cifar10, Synthetic
from nasrun.errors import NasrunError
from nasrun.spaces import ChainSpace
from nasrun.training import Trainer, WeightOptimiser
from nasrun.training.optimiser import fused_on_cuda
from tests.data.test_data import write_fake_cifar

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
SPACE = ChainSpace(num_layers=2, num_filters=(4, 8), filter_sizes=(1, 3))
SGD = partial(torch.optim.SGD, lr=0.05, momentum=0.9)


def _model(data, arch, seed=0):
    torch.manual_seed(seed)
    arch = SPACE.from_string(arch) if isinstance(arch, str) else arch
    return SPACE.build(arch, data.num_classes, data.input_shape)


def test_cifar_bytes_stay_bytes_and_batches_come_normalised(tmp_path):
    write_fake_cifar(tmp_path, "cifar10", per_batch=40)
    data = Cifar10(root=tmp_path, valid_size=20)
    assert data.train.stored.dtype == torch.uint8  # a quarter of float's device memory
    x = data.train.x
    assert x.dtype == torch.float32 and abs(x.mean().item()) < 1e-3
    assert abs(x.std(dim=(0, 2, 3)) - 1).max() < 1e-3
    first, labels = next(iter(data.train.batches(8)))
    assert torch.allclose(first, x[:8]) and torch.equal(labels, data.train.y[:8])
    assert data.train.head(0.5).mean is data.train.mean  # a part keeps the normalisation
    assert data.resized(16).train.x.shape == (180, 3, 16, 16)


def test_trainer_trains_on_bytes(tmp_path):
    write_fake_cifar(tmp_path, "cifar10", per_batch=16)
    data = Cifar10(root=tmp_path, valid_size=16, cutout=8).resized(8)
    history = Trainer(batch_size=16, recalibrate_bn=16).fit(
        _model(data, "conv3x3-4/1|conv3x3-4/1"), data, epochs=1
    )
    assert 0 <= history.last.valid_acc <= 1


def test_fused_kernels_only_where_there_are_any():
    cpu = [torch.nn.Parameter(torch.zeros(2))]
    assert fused_on_cuda(SGD, cpu) is SGD  # CPU: torch's default
    own = lambda p: torch.optim.SGD(p, lr=0.1)  # noqa: E731  (no keywords to add to)
    assert fused_on_cuda(own, cpu) is own
    assert not WeightOptimiser(cpu, SGD).optimizer.defaults.get("fused")


@pytest.mark.parametrize("value", ["fast", 2.5, "reduce_overhead"])
def test_compile_names_only_torch_s_modes(value):
    with pytest.raises(NasrunError, match="trainer.compile must be"):
        Trainer(compile=value)


@pytest.mark.slow  # compiling takes tens of seconds on a CPU
def test_a_compiled_forward_trains_like_the_eager_one():
    data = Synthetic(num_classes=4, image_size=8, num_examples=160)
    arch = SPACE.sample(random.Random(0))
    eager = Trainer(batch_size=32, epochs=2).fit(_model(data, arch), data, seed=1).last
    compiled = Trainer(batch_size=32, epochs=2, compile=True).fit(_model(data, arch), data, seed=1)
    assert compiled.last.train_loss == pytest.approx(eager.train_loss, rel=1e-3)


def _ranking(device: str, **trainer) -> list[float]:
    """Validation accuracy of three architectures of different capacity, same seeds."""
    data = Synthetic(device=device, num_classes=4, image_size=8, num_examples=400, noise=0.4)
    archs = ["conv1x1-4/1|conv1x1-4/1", "conv3x3-8/1|conv1x1-4/1", "conv3x3-8/1|conv3x3-8/1"]
    return [
        Trainer(batch_size=32, epochs=4, **trainer)
        .fit(_model(data, a), data, seed=3)
        .last.valid_acc
        for a in archs
    ]


@pytest.mark.gpu
@CUDA
@pytest.mark.parametrize("compile", [False, True])
def test_amp_channels_last_and_compile_rank_as_the_cpu_does(compile):
    cpu = _ranking("cpu", amp=False, channels_last=False)
    gpu = _ranking("cuda", amp=True, channels_last=True, compile=compile)
    assert sorted(range(3), key=cpu.__getitem__) == sorted(range(3), key=gpu.__getitem__)
    assert max(abs(a - b) for a, b in zip(cpu, gpu, strict=True)) < 0.1


@pytest.mark.gpu
@CUDA
def test_on_cuda_the_optimiser_is_fused_and_augmentation_draws_there(tmp_path):
    parameters = [torch.nn.Parameter(torch.zeros(2, device="cuda"))]
    assert WeightOptimiser(parameters, SGD).optimizer.defaults["fused"] is True
    write_fake_cifar(tmp_path, "cifar10", per_batch=16)
    data = Cifar10(root=tmp_path, valid_size=16, device="cuda", cutout=8)
    assert data.train.stored.device.type == "cuda" and data.train.stored.dtype == torch.uint8
    history = Trainer(batch_size=16).fit(_model(data, "conv3x3-4/1|conv3x3-4/1"), data, epochs=1)
    assert torch.backends.cudnn.benchmark and history.last.train_loss > 0
