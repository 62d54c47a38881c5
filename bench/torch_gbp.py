#!/usr/bin/env python3
"""PyTorch peer of benchmark B1 (BRIEF section 6): the gBP model of
models/gbp_mnist.sas -- 784-100-100-10 spike-and-slab ensemble, relu hidden
layers, softmax cross-entropy, fan-in scaling 1/sqrt(N_in) -- trained with the
same recipe (pi = 0, m ~ N(0, 2/784), Xi ~ U(0, 0.01), Adam lr 0.1 with
decoupled weight decay 1e-4, batch 500, pi and Xi clipped after each step).

The obvious PyTorch formulation: reparameterised forward
    G = h mu / sqrt(N),  Delta^2 = h^2 (rho - mu^2) / N,  z = G + eps Delta,
eps ~ N(0, 1) per unit and sample, drawn once per mini-batch; autograd
backward. Each epoch's training loop is timed (shuffling, noise, forward,
backward, update, clipping); evaluation is outside the timed region and, like
sasc, uses the mean network (eps = 0).

Prints per-epoch lines and one "RESULT {json}" line for bench/run.
"""
import argparse
import math
import time

import torch

import peer_common as common

WIDTHS = [784, 100, 100, 10]


class Layer:
    def __init__(self, n_in, n_out, generator):
        self.n_in = n_in
        self.pi = torch.zeros(n_in, n_out, requires_grad=True)
        self.m = (torch.randn(n_in, n_out, generator=generator) * math.sqrt(2 / 784)).requires_grad_()
        self.xi = (torch.rand(n_in, n_out, generator=generator) * 0.01).requires_grad_()

    def forward(self, h, noisy):
        mu, var = common.moments(self.pi, self.m, self.xi)
        g = h @ mu / math.sqrt(self.n_in)
        if not noisy:
            return g
        delta = common.safe_sqrt((h * h) @ var / self.n_in)
        return g + torch.randn_like(g) * delta


def network_forward(layers, x, noisy):
    h = x
    for i, layer in enumerate(layers):
        z = layer.forward(h, noisy)
        h = torch.relu(z) if i + 1 < len(layers) else z
    return h   # logits; the softmax is inside the cross-entropy


def train_epoch(layers, optimizer, x, y, batch):
    order = torch.randperm(len(x))
    total_loss, correct = 0.0, 0
    steps = len(x) // batch
    for s in range(steps):
        index = order[s * batch:(s + 1) * batch]
        logits = network_forward(layers, x[index], noisy=True)
        loss = torch.nn.functional.cross_entropy(logits, y[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        common.clip([l.pi for l in layers], [l.xi for l in layers])
        total_loss += loss.item()
        correct += int((logits.argmax(1) == y[index]).sum())
    return total_loss / steps, correct / (steps * batch)


@torch.no_grad()
def accuracy(layers, x, y):
    return float((network_forward(layers, x, noisy=False).argmax(1) == y).float().mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=common.DEFAULT_DATA)
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--widths", default=",".join(str(w) for w in WIDTHS),
                        help="layer sizes, input first (bench/scaling.py sweeps them)")
    args = parser.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = common.load_split(args.data, "train", args.train)
    tx, ty = common.load_split(args.data, "test", args.test)
    generator = torch.Generator().manual_seed(args.seed)
    layers = [Layer(a, b, generator) for a, b in zip(widths, widths[1:])]
    parameters = [p for l in layers for p in (l.pi, l.m, l.xi)]
    optimizer = common.adam(parameters, args.lr, args.weight_decay)
    seconds, test_accuracy = [], []
    for epoch in range(args.epochs):
        began = time.perf_counter()
        loss, train_accuracy = train_epoch(layers, optimizer, x, y, args.batch)
        seconds.append(time.perf_counter() - began)
        test_accuracy.append(accuracy(layers, tx, ty))
        print(f"epoch {epoch + 1}/{args.epochs}: train_loss {loss:.4f} train_acc "
              f"{train_accuracy:.4f} test_acc {test_accuracy[-1]:.4f} ({seconds[-1]:.2f} s)",
              flush=True)
    common.report({"benchmark": "B1", "peer": "pytorch", "torch": torch.__version__,
                   "threads": torch.get_num_threads(), "epoch_seconds": seconds,
                   "test_accuracy": test_accuracy})


if __name__ == "__main__":
    main()
