#!/usr/bin/env python3
"""PyTorch peer of benchmark B2 (BRIEF section 6): gBPTT on pixel-by-pixel
Fashion-MNIST (T = 784 steps, one pixel per step), a rate RNN of N = 100
units with the recipe of BRIEF sections 2.2 and 3: alpha = 0.1, relu, no
noise, x0 = 0; input weights deterministic (pi_in = Xi_in = 0, only m_in is
learned); spike-and-slab recurrent and readout weights with pi = 0,
m_rec = identity, m_out ~ N(0, 1/N), Xi ~ U(0, 0.01); readout at the last
step, softmax cross-entropy; l2 1e-4 * (sum m^2 + sum Xi^2) as sasc's
`l2 { m = 1e-4 Xi = 1e-4 }`; Adam lr 0.001; pi and Xi clipped after each step.

    u(t+1) = m_in x(t) + r(t) mu_rec + eps_u(t) sqrt(r(t)^2 var_rec)
    h(t+1) = (1 - alpha) h(t) + alpha u(t+1),   r = relu(h)
    z      = r(T) mu_out + eps_out sqrt(r(T)^2 var_out)

(no 1/sqrt(N) scaling in the recurrent paper). eps is drawn per unit, sample
and step, once per mini-batch; backward is autograd through all 784 steps.
Times whole mini-batches (forward + backward + update) after one warm-up
mini-batch; prints one "RESULT {json}" line for bench/run. Accuracy is not
reported: a meaningful one needs hours of training, far beyond a benchmark.
"""
import argparse
import math
import time

import torch

import peer_common as common


class Rnn:
    def __init__(self, n, n_out, generator):
        self.alpha = 0.1
        self.m_in = (torch.randn(1, n, generator=generator) * 0.1).requires_grad_()
        self.pi_rec = torch.zeros(n, n, requires_grad=True)
        self.m_rec = torch.eye(n).requires_grad_()
        self.xi_rec = (torch.rand(n, n, generator=generator) * 0.01).requires_grad_()
        self.pi_out = torch.zeros(n, n_out, requires_grad=True)
        self.m_out = (torch.randn(n, n_out, generator=generator) / math.sqrt(n)).requires_grad_()
        self.xi_out = (torch.rand(n, n_out, generator=generator) * 0.01).requires_grad_()

    def parameters(self):
        return [self.m_in, self.pi_rec, self.m_rec, self.xi_rec,
                self.pi_out, self.m_out, self.xi_out]

    def logits(self, x):
        """x: batch x T pixel sequences; logits at the last step."""
        batch, steps = x.shape
        n = self.m_rec.shape[0]
        mu_rec, var_rec = common.moments(self.pi_rec, self.m_rec, self.xi_rec)
        eps = torch.randn(steps, batch, n)
        h = torch.zeros(batch, n)
        r = torch.zeros(batch, n)
        for t in range(steps):
            u = x[:, t:t + 1] * self.m_in + r @ mu_rec + eps[t] * common.safe_sqrt((r * r) @ var_rec)
            h = (1 - self.alpha) * h + self.alpha * u
            r = torch.relu(h)
        mu_out, var_out = common.moments(self.pi_out, self.m_out, self.xi_out)
        g = r @ mu_out
        return g + torch.randn_like(g) * common.safe_sqrt((r * r) @ var_out)

    def l2(self, strength):
        return strength * sum((p * p).sum() for p in
                              (self.m_in, self.m_rec, self.xi_rec, self.m_out, self.xi_out))


def train_step(rnn, optimizer, x, y, l2):
    loss = torch.nn.functional.cross_entropy(rnn.logits(x), y) + rnn.l2(l2)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    common.clip([rnn.pi_rec, rnn.pi_out], [rnn.xi_rec, rnn.xi_out])
    return loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=common.DEFAULT_DATA)
    parser.add_argument("--batches", type=int, default=3, help="timed mini-batches")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = common.load_split(args.data, "train", args.batch * (args.batches + 1))
    rnn = Rnn(args.units, 10, torch.Generator().manual_seed(args.seed))
    optimizer = torch.optim.Adam(rnn.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    seconds, losses = [], []
    for b in range(args.batches + 1):   # mini-batch 0 is the warm-up
        began = time.perf_counter()
        loss = train_step(rnn, optimizer, x[b * args.batch:(b + 1) * args.batch],
                          y[b * args.batch:(b + 1) * args.batch], args.l2)
        if b > 0:
            seconds.append(time.perf_counter() - began)
            losses.append(loss)
            print(f"mini-batch {b}/{args.batches}: loss {loss:.4f} ({seconds[-1]:.3f} s)", flush=True)
    common.report({"benchmark": "B2", "peer": "pytorch", "torch": torch.__version__,
                   "threads": torch.get_num_threads(), "batch_seconds": seconds, "loss": losses})


if __name__ == "__main__":
    main()
