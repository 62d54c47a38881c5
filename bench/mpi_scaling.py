#!/usr/bin/env python3
"""bench/mpi_scaling.py -- what training over MPI costs (issue 14, "Scale on
paper"): B1's model (models/gbp_mnist.sas) on 1, 2 and 4 MPI ranks of this
machine against one process with 1 and 2 threads, the bytes each rank sends
per step as the transport counted them, and a projection of step time
against the number of ranks on a cluster from those bytes.

  bench/mpi_scaling.py [--sasc ./sasc] [--images 20000] [--repeat 3]
                       [--docs docs/performance.md] [--out docs/figures]

Every configuration trains the same run (the model's recipe, --images
training images, 500 test images, 2 epochs, batch 500 in 4 shards, analyses
off); the sample is epoch 2's seconds per step (its 500-image test pass
included, the same in every configuration). Configurations alternate, each
--repeat times; medians. All runs must write the same bytes (metrics without
the timing column, every .npy), which the script checks. Run it under nice,
when the machine is quiet: on 2 cores, 2 ranks show the protocol's cost and
4 ranks (oversubscribed) its cost when ranks wait for a core, not a speed-up.

It writes docs/figures/mpi_scaling.csv, docs/figures/mpi_projection.svg and
the block between the markers "<!-- mpi_scaling.py begin -->" and "<!--
mpi_scaling.py end -->" in --docs (every number there comes from this run).
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
MODEL = os.path.join(SOURCE, "models", "gbp_mnist.sas")
BATCH, SHARDS, RECORD_BYTES = 500, 4, 24   # RECORD_BYTES: a shard's loss, count, signal
BEGIN, END = "<!-- mpi_scaling.py begin -->", "<!-- mpi_scaling.py end -->"

# name, ranks, threads per rank, extra mpirun options. Open MPI's ranks
# poll while they wait, unless there are more ranks than cores (then they
# yield the core): the fifth configuration asks 2 ranks to yield too.
CONFIGURATIONS = [
    ("1 process, 1 thread", 1, 1, []),
    ("1 process, 2 threads", 1, 2, []),
    ("2 ranks x 1 thread", 2, 1, []),
    ("4 ranks x 1 thread (oversubscribed)", 4, 1, []),
    ("2 ranks x 1 thread, yielding when idle", 2, 1, ["--mca", "mpi_yield_when_idle", "1"]),
]

# Stated networks for the projection: bandwidth (bytes/s) and the one-way
# latency of a small MPI message (seconds), typical published figures.
NETWORKS = [
    ("10 GbE (TCP)", 1.25e9, 20e-6),
    ("100 Gb/s InfiniBand (EDR)", 12.5e9, 2e-6),
]


def run_once(a, ranks, threads, options, out):
    settings = ["--set", f"train={a.images}", "--set", "test=500", "--set", "epochs=2",
                "--set", f"shards={SHARDS}", "--set", "analyze_every=0", "--set", "analyze=",
                "--threads", str(threads), "--out", out]
    command = [a.sasc, "run", MODEL] + settings
    if ranks > 1:
        command = [a.mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(ranks)] + options + command
    subprocess.run(command, check=True, capture_output=True, timeout=1800)
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "run.json")) as f:
        info = json.load(f)
    return float(rows[-1]["seconds"]) / (a.images // BATCH), info.get("mpi")


def result_bytes(out):
    """The run's results without timing: metrics minus `seconds`, every .npy."""
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = [r for r in csv.reader(f)]
    skip = rows[0].index("seconds")
    parts = [",".join(v for i, v in enumerate(r) if i != skip).encode() for r in rows]
    for name in sorted(os.listdir(out)):
        if name.endswith(".npy"):
            with open(os.path.join(out, name), "rb") as f:
                parts.append(name.encode() + f.read())
    return b"\n".join(parts)


def npy_data_bytes(path):
    """Bytes of the array in a .npy file (the file minus its header)."""
    with open(path, "rb") as f:
        head = f.read(12)
    major = head[6]
    length = int.from_bytes(head[8:10] if major == 1 else head[8:12], "little")
    return os.path.getsize(path) - (10 if major == 1 else 12) - length


def protocol_bytes(rank, ranks, gradient_bytes):
    """What runtime/train/distributed.c sends per step from `rank`: the ring
    all-gather of the shard records (every block but the next rank's), the
    chain reduce (ranks 0 .. K-2 send G) and the chain broadcast (K-1, 0 ..
    K-3 send G)."""
    first = [r * SHARDS // ranks for r in range(ranks + 1)]
    owned = [first[r + 1] - first[r] for r in range(ranks)]
    records = RECORD_BYTES * (SHARDS - owned[(rank + 1) % ranks])
    chains = (rank <= ranks - 2) + (rank == ranks - 1 or rank <= ranks - 3)
    return records + chains * gradient_bytes


def projected_step(k, compute_per_sample, update, gradient_bytes, pieces, bandwidth, latency):
    """Seconds per B1 step on k ranks of one core each, every hop over the
    network: the rank's 500/k samples, the update every rank runs whole, the
    records' ring (k - 1 hops) and two chains of (pieces + k - 1) ticks, each
    tick one piece's latency and transfer."""
    if k == 1:
        return compute_per_sample * BATCH + update
    piece = gradient_bytes / pieces
    ring = (k - 1) * (latency + RECORD_BYTES / bandwidth)   # one shard, one record, per rank
    chains = 2 * (pieces + k - 1) * (latency + piece / bandwidth)
    return compute_per_sample * BATCH / k + update + ring + chains


def svg(path, ks, series, measured):
    width, height, left, bottom, top, right = 520, 340, 64, 48, 34, 20
    import math
    xs = [math.log10(k) for k in ks]
    top_value = max(max(v) for _, v in series) * 1.1
    def px(x):
        return left + (width - left - right) * (x - xs[0]) / (xs[-1] - xs[0])
    def py(v):
        return height - bottom - (height - bottom - top) * v / top_value
    colours = ["#1f77b4", "#d62728"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="{width / 2}" y="18" text-anchor="middle">B1 step time against MPI ranks '
             f'(projected; one core per rank)</text>',
             f'<line x1="{left}" y1="{py(0)}" x2="{width - right}" y2="{py(0)}" stroke="black"/>',
             f'<line x1="{left}" y1="{py(0)}" x2="{left}" y2="{top}" stroke="black"/>',
             f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">ranks K (log scale)</text>',
             f'<text x="14" y="{height / 2}" transform="rotate(-90 14 {height / 2})" '
             f'text-anchor="middle">milliseconds per step</text>']
    for k, x in zip(ks, xs):
        parts.append(f'<text x="{px(x):.1f}" y="{py(0) + 16:.1f}" text-anchor="middle">{k}</text>')
    for j in range(6):
        v = top_value * j / 5
        parts.append(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{1000 * v:.3g}</text>')
    for n, ((name, values), colour) in enumerate(zip(series, colours)):
        points = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in zip(xs, values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(f'<text x="{width - right - 4}" y="{top + 14 + 16 * n}" text-anchor="end" '
                     f'fill="{colour}">{name}</text>')
    for k, v in measured:
        parts.append(f'<circle cx="{px(math.log10(k)):.1f}" cy="{py(v):.1f}" r="4" fill="black"/>')
    parts.append(f'<text x="{width - right - 4}" y="{top + 46}" text-anchor="end">'
                 f'&#9679; measured here (shared memory)</text>')
    parts.append("</svg>\n")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def median(values):
    return statistics.median(values)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sasc", default=os.path.join(SOURCE, "sasc"))
    p.add_argument("--mpirun", default="mpirun")
    p.add_argument("--images", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--docs", default=os.path.join(SOURCE, "docs", "performance.md"))
    p.add_argument("--out", default=os.path.join(SOURCE, "docs", "figures"))
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="sasc-mpi-scaling-")
    steps = {c[0]: [] for c in CONFIGURATIONS}
    traffic = {c[0]: [] for c in CONFIGURATIONS}
    reference = None
    load = []
    began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        for repeat in range(a.repeat):
            for n, (name, ranks, threads, options) in enumerate(CONFIGURATIONS):
                load.append(os.getloadavg()[0])
                out = os.path.join(work, f"{n}.{repeat}")
                seconds, mpi = run_once(a, ranks, threads, options, out)
                steps[name].append(seconds)
                if mpi:
                    traffic[name].append(mpi)
                results = result_bytes(out)
                if reference is None:
                    reference = results
                    gradient_bytes = sum(npy_data_bytes(os.path.join(out, f))
                                         for f in os.listdir(out) if f.endswith(".npy"))
                elif results != reference:
                    sys.exit(f"mpi_scaling: {name} wrote other results than the first run")
                shutil.rmtree(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ended = time.strftime("%H:%M UTC", time.gmtime())

    def per_rank(name, key):
        runs = traffic[name]
        return [median([run[key][r] for run in runs]) for r in range(len(runs[0][key]))]

    t = {name: median(v) for name, v in steps.items()}
    one, threads2, ranks2, ranks4, yielding2 = (c[0] for c in CONFIGURATIONS)
    bytes2, bytes4 = per_rank(ranks2, "bytes_sent_per_step"), per_rank(ranks4, "bytes_sent_per_step")
    predicted2 = [protocol_bytes(r, 2, gradient_bytes) for r in range(2)]
    predicted4 = [protocol_bytes(r, 4, gradient_bytes) for r in range(4)]
    pieces = int(per_rank(ranks2, "messages_sent_per_step")[0]) - 1   # rank 0: the chain + 1 record hop
    compute2 = median(per_rank(ranks2, "compute_seconds_per_step"))
    update2 = median(per_rank(ranks2, "update_seconds_per_step"))
    exchange2 = max(per_rank(ranks2, "exchange_seconds_per_step"))
    exchange4 = max(per_rank(ranks4, "exchange_seconds_per_step"))
    compute_per_sample = compute2 / (BATCH / 2)    # 2 shards of 125 samples per rank

    os.makedirs(a.out, exist_ok=True)
    ks = [1, 2, 4, 5, 10, 20, 25, 50, 100, 125, 250, 500]   # divisors of the batch
    projection = {name: [projected_step(k, compute_per_sample, update2, gradient_bytes, pieces, bw, lat)
                         for k in ks] for name, bw, lat in NETWORKS}
    with open(os.path.join(a.out, "mpi_scaling.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "configuration", "ranks", "seconds_per_step", "bytes_sent_per_step_max"])
        for name, ranks, _, _ in CONFIGURATIONS:
            sent = max(per_rank(name, "bytes_sent_per_step")) if traffic[name] else 0
            w.writerow(["measured", name, ranks, f"{t[name]:.6g}", int(sent)])
        for name, _, _ in NETWORKS:
            for k, v in zip(ks, projection[name]):
                sent = max(protocol_bytes(r, k, gradient_bytes) for r in range(k)) if k > 1 else 0
                w.writerow(["projected", name, k, f"{v:.6g}", sent])
    svg(os.path.join(a.out, "mpi_projection.svg"), ks, list(projection.items()),
        [(1, t[one]), (2, t[ranks2])])

    def ms(v):
        return f"{1000 * v:.3g} ms"
    lines = [BEGIN,
             f"Measured by `bench/mpi_scaling.py --images {a.images} --repeat {a.repeat}` "
             f"({began} to {ended}; 1-minute load average {min(load):.2f} to {max(load):.2f} "
             f"before the runs), {MODEL.replace(SOURCE + '/', '')} with batch {BATCH} in {SHARDS} "
             f"shards, {a.images // BATCH} steps per epoch; medians of {a.repeat}. Every run wrote "
             f"the same bytes.",
             "",
             "| configuration | seconds per step (epoch 2) | against 1 process, 2 threads |",
             "| --- | --- | --- |"]
    for name, _, _, _ in CONFIGURATIONS:
        lines.append(f"| {name} | {ms(t[name])} [{ms(min(steps[name]))}, {ms(max(steps[name]))}] "
                     f"| {t[name] / t[threads2]:.2f} |")
    lines += ["",
              f"- **MPI overhead at K = 2**: 2 ranks of 1 thread take **{t[ranks2] / t[threads2]:.2f}x** "
              f"the time of 1 process with 2 threads (the same 4 shards on the same 2 cores), and "
              f"{t[ranks2] / t[one]:.2f}x that of 1 thread; 4 oversubscribed ranks take "
              f"{t[ranks4] / t[ranks2]:.2f}x the time of 2, and 2 ranks that yield the core while "
              f"they wait {t[yielding2] / t[ranks2]:.2f}x.",
              f"- **Bytes per step**, counted by the transport: 2 ranks send "
              f"{', '.join(str(int(b)) for b in bytes2)} bytes (rank 0, 1); 4 ranks send "
              f"{', '.join(str(int(b)) for b in bytes4)}. The gradients are G = {gradient_bytes} bytes "
              f"({pieces} pieces of at most 64 KiB); the protocol's count "
              f"(`protocol_bytes` in the script) predicts {', '.join(str(b) for b in predicted2)} and "
              f"{', '.join(str(b) for b in predicted4)}: "
              f"{'exactly what was measured' if [int(b) for b in bytes2] == predicted2 and [int(b) for b in bytes4] == predicted4 else 'NOT what was measured'}.",
              f"- **Where a 2-rank step goes** (per rank, medians): its 2 shards {ms(compute2)}, "
              f"the exchanges {ms(exchange2)} (the slower rank's; waiting for the other included), "
              f"the update every rank runs whole {ms(update2)}. With 4 ranks on 2 cores the "
              f"exchanges take {ms(exchange4)}; with 2 yielding ranks "
              f"{ms(max(per_rank(yielding2, 'exchange_seconds_per_step')))}.",
              "",
              f"**Projection** (`projected_step` in the script; `docs/figures/mpi_projection.svg`): "
              f"K ranks of one core each, every hop over the network, the step's {BATCH} samples "
              f"split evenly (K a divisor of the batch, one shard per rank), at the compute per "
              f"sample measured above ({1e6 * compute_per_sample:.3g} us, from shards of "
              f"{BATCH // SHARDS} samples: smaller shards run their products less efficiently, so "
              f"this is optimistic for large K), plus the update ({ms(update2)}), the records' ring "
              f"(K - 1 hops) and the two chains ({pieces} pieces + K - 1 ticks each, a tick one "
              f"piece's latency and transfer):",
              "",
              "| K | " + " | ".join(f"{name}: ms per step (speed-up)" for name, _, _ in NETWORKS) + " |",
              "| --- | " + " | ".join("---" for _ in NETWORKS) + " |"]
    base = projection[NETWORKS[0][0]][0]
    for i, k in enumerate(ks):
        cells = [f"{1000 * projection[name][i]:.3g} ({base / projection[name][i]:.2g}x)"
                 for name, _, _ in NETWORKS]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, bandwidth, latency in NETWORKS:
        values = projection[name]
        best = min(range(len(ks)), key=lambda i: values[i])
        half = max((i for i in range(len(ks)) if base / values[i] >= 0.5 * ks[i]), default=0)
        floor = update2 + 2 * gradient_bytes / bandwidth
        lines.append(f"- **{name}** ({bandwidth / 1e9:.3g} GB/s, {1e6 * latency:.3g} us per "
                     f"message): fastest at K = {ks[best]} ({1000 * values[best]:.3g} ms, "
                     f"{base / values[best]:.2g}x one rank); efficiency stays at or above 50% up to "
                     f"K = {ks[half]}. What does not shrink with K: the update "
                     f"({ms(update2)}) and moving 2G through a rank ({ms(2 * gradient_bytes / bandwidth)}), "
                     f"a floor of {ms(floor)}; what grows with K: 2(K - 1) + (K - 1) message "
                     f"latencies ({ms(3 * (ks[best] - 1) * latency)} at K = {ks[best]}).")
    lines.append(END)
    block = "\n".join(lines) + "\n"
    with open(a.docs) as f:
        text = f.read()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(a.docs, "w") as f:
        f.write(text)
    print(block)


if __name__ == "__main__":
    main()
