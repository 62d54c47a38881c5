"""Shared pieces of the PyTorch peers of `make bench` (bench/torch_gbp.py,
bench/torch_gbptt.py): Fashion-MNIST IDX loading with gzip + numpy (no
torchvision), the spike-and-slab layer moments, decoupled-weight-decay Adam
and the clipping of pi and Xi, so both peers follow BRIEF section 3 the same way.
"""
import gzip
import json
import os
import sys

import numpy as np
import torch

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """An IDX file (plain or .gz) as a numpy array of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != int(np.prod(shape)):
        sys.exit(f"{path}: {data.size} values, header says {shape}")
    return data.reshape(shape)


def find_idx(directory, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    sys.exit(f"{directory}: no {stem}[.gz]")


def load_split(directory, split, count):
    """The first `count` images of a split (0 = all) as float32 in [0, 1]
    (pixel / 255, as the sasc runtime does) and their int64 labels."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(find_idx(directory, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find_idx(directory, f"{prefix}-labels-idx1-ubyte"))
    if count:
        images, labels = images[:count], labels[:count]
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    return x, torch.from_numpy(labels.astype(np.int64))


def moments(pi, m, xi):
    """Mean and variance of a spike-and-slab weight: mu = (1-pi) m,
    rho = (1-pi)(Xi + m^2), variance rho - mu^2."""
    mu = (1 - pi) * m
    rho = (1 - pi) * (xi + m * m)
    return mu, rho - mu * mu


def safe_sqrt(x):
    """sqrt with a zero gradient where x = 0 (BRIEF section 3: where Delta = 0
    the Delta-dependent gradient terms are 0, no NaN)."""
    positive = x > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, x, torch.ones_like(x))),
                       torch.zeros_like(x))


def adam(parameters, lr, weight_decay):
    """Adam with decoupled weight decay exactly as BRIEF section 3 states:
    theta -= lr * (mhat / (sqrt(shat) + eps) + wd * theta). AdamW applies the
    decay to the pre-update theta, which is the same update."""
    return torch.optim.AdamW(parameters, lr=lr, betas=(0.9, 0.999), eps=1e-8,
                             weight_decay=weight_decay)


@torch.no_grad()
def clip(pis, xis):
    """After each update: pi to [0, 1], Xi to >= 0."""
    for pi in pis:
        pi.clamp_(0.0, 1.0)
    for xi in xis:
        xi.clamp_(min=0.0)


def report(result):
    """The one machine-readable line bench/run parses."""
    print("RESULT " + json.dumps(result), flush=True)
