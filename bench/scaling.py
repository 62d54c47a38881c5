#!/usr/bin/env python3
"""bench/scaling.py -- time per epoch against hidden width and depth (issue 6,
"Scaling") for sasc and, where a python3 with torch exists, the PyTorch peer
(bench/torch_gbp.py on the same layer sizes and recipe), with the cost the
products alone predict, as two SVG plots and a CSV.

  bench/scaling.py [--sasc ./sasc] [--images 10000] [--python P] [--out docs/figures]

Width: 784-w-w-10 for w = 100, 200, 400, 800. Depth: 2 to 6 dense layers of
100 units (the last one the 10-way softmax). Each model trains 2 epochs of
--images images (batch 500, f32, 2 threads); the sample is the second epoch.
The dashed "products" line scales the smallest model's time by the products'
FLOP (16 products per step for 3 layers; 6 per layer, 4 for the first), i.e.
the time if cost grew exactly as the products do.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402  (bench/peers.py, beside this script)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
BATCH = 500

MODEL = """prior sas {{ pi = 0  m = normal(0, sqrt(2/784))  Xi = uniform(0, 0.01) }}
model scaling {{
  input x[784]
{layers}  loss cross_entropy(y)
}}
task train {{
  model = scaling
  data = "/usr/share/datasets/fashion-mnist"
  train = {images}  test = 1000
  optimizer = adam  lr = 0.1  weight_decay = 1e-4
  batch = {batch}  epochs = 2  seed = 1
}}
"""


def model_text(widths, images):
    lines, previous = [], "x"
    for k, w in enumerate(widths):
        name = f"h{k + 1}"
        lines.append(f"  layer {name} = dense({previous}, {w}) {{ activation = relu  prior = sas }}\n")
        previous = name
    lines.append(f"  layer y = dense({previous}, 10) {{ activation = softmax  prior = sas }}\n")
    return MODEL.format(layers="".join(lines), images=images, batch=BATCH)


def products_gflop(widths):
    """GFLOP of the products of one step: 2 forward and 2 weight products per
    layer, 2 input products per layer but the first (2*M*N*K each)."""
    sizes = [784] + list(widths) + [10]
    flop = 0
    for k in range(len(sizes) - 1):
        m_n_k = BATCH * sizes[k] * sizes[k + 1]
        flop += (4 if k == 0 else 6) * 2 * m_n_k
    return flop / 1e9


def epoch_seconds(sasc, widths, images):
    work = tempfile.mkdtemp(prefix="sasc-scaling-")
    try:
        path = os.path.join(work, "model.sas")
        with open(path, "w") as f:
            f.write(model_text(widths, images))
        subprocess.run([sasc, "run", path, "--threads", "2", "--out", os.path.join(work, "out")],
                       check=True, capture_output=True)
        with open(os.path.join(work, "out", "metrics.csv")) as f:
            return float(list(csv.DictReader(f))[-1]["seconds"])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def peer_epoch_seconds(python, widths, images):
    """The PyTorch peer's second-epoch seconds on 784-widths-10, or None."""
    if python is None:
        return None
    sizes = ",".join(str(w) for w in [784] + list(widths) + [10])
    done = subprocess.run(peers.peer_command(python, "torch_gbp.py",
                                             ["--train", str(images), "--epochs", "2",
                                              "--threads", "2", "--widths", sizes]),
                          cwd=HERE, check=True, capture_output=True, text=True)
    result = peers.result_line(done.stdout)
    return result["epoch_seconds"][-1] if result else None


def svg_plot(path, title, xlabel, xs, measured, predicted, peer):
    width, height, left, bottom, top, right = 480, 320, 60, 45, 30, 20
    peer_values = [v for v in peer if v is not None]
    top_value = max(measured + predicted + peer_values) * 1.1
    def px(i):
        return left + (width - left - right) * i / max(1, len(xs) - 1)
    def py(v):
        return height - bottom - (height - bottom - top) * v / top_value
    def polyline(values, style):
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(values))
        return f'<polyline fill="none" {style} points="{points}"/>'
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="{width / 2}" y="18" text-anchor="middle">{title}</text>',
             f'<line x1="{left}" y1="{py(0)}" x2="{width - right}" y2="{py(0)}" stroke="black"/>',
             f'<line x1="{left}" y1="{py(0)}" x2="{left}" y2="{top}" stroke="black"/>',
             f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">{xlabel}</text>',
             f'<text x="14" y="{height / 2}" transform="rotate(-90 14 {height / 2})" '
             f'text-anchor="middle">seconds per epoch</text>']
    for i, x in enumerate(xs):
        parts.append(f'<text x="{px(i):.1f}" y="{py(0) + 16:.1f}" text-anchor="middle">{x}</text>')
    for k in range(5):
        v = top_value * k / 5
        parts.append(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{v:.2g}</text>')
    parts.append(polyline(predicted, 'stroke="gray" stroke-dasharray="5,4"'))
    parts.append(polyline(measured, 'stroke="#1f77b4" stroke-width="2"'))
    for i, v in enumerate(measured):
        parts.append(f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="3" fill="#1f77b4"/>')
    parts.append(f'<text x="{left + 10}" y="{top + 12}" fill="#1f77b4">sasc (measured)</text>')
    parts.append(f'<text x="{left + 10}" y="{top + 28}" fill="gray">sasc products only (FLOP-scaled)</text>')
    if len(peer_values) == len(peer):
        parts.append(polyline(peer, 'stroke="#d62728" stroke-width="2"'))
        for i, v in enumerate(peer):
            parts.append(f'<rect x="{px(i) - 3:.1f}" y="{py(v) - 3:.1f}" width="6" height="6" fill="#d62728"/>')
        parts.append(f'<text x="{left + 10}" y="{top + 44}" fill="#d62728">PyTorch peer (measured)</text>')
    parts.append("</svg>\n")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def sweep(sasc, python, images, configurations):
    times = [epoch_seconds(sasc, widths, images) for widths in configurations]
    peer = [peer_epoch_seconds(python, widths, images) for widths in configurations]
    flops = [products_gflop(widths) for widths in configurations]
    predicted = [times[0] * g / flops[0] for g in flops]
    return times, flops, predicted, peer


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sasc", default=os.path.join(SOURCE, "sasc"))
    p.add_argument("--images", type=int, default=10000)
    p.add_argument("--python", default=None, help="interpreter with torch (default: the first found)")
    p.add_argument("--out", default=os.path.join(SOURCE, "docs", "figures"))
    a = p.parse_args()
    python = peers.torch_python(a.python)
    os.makedirs(a.out, exist_ok=True)
    widths = [100, 200, 400, 800]
    depths = [2, 3, 4, 5, 6]
    rows = []
    w_times, w_flops, w_pred, w_peer = sweep(a.sasc, python, a.images, [[w, w] for w in widths])
    d_times, d_flops, d_pred, d_peer = sweep(a.sasc, python, a.images, [[100] * (d - 1) for d in depths])
    def ratio(peer, t):
        return "" if peer is None else peer / t
    for w, t, g, q, r in zip(widths, w_times, w_flops, w_pred, w_peer):
        rows.append(["width", w, 3, t, g, q, "" if r is None else r, ratio(r, t)])
    for d, t, g, q, r in zip(depths, d_times, d_flops, d_pred, d_peer):
        rows.append(["depth", 100, d, t, g, q, "" if r is None else r, ratio(r, t)])
    with open(os.path.join(a.out, "scaling.csv"), "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["sweep", "hidden_width", "layers", "epoch_seconds", "step_products_gflop",
                      "products_scaled_seconds", "pytorch_epoch_seconds", "pytorch_over_sasc"])
        out.writerows(rows)
    svg_plot(os.path.join(a.out, "scaling_width.svg"),
             f"784-w-w-10, {a.images} images per epoch", "hidden width w", widths, w_times, w_pred, w_peer)
    svg_plot(os.path.join(a.out, "scaling_depth.svg"),
             f"width 100, {a.images} images per epoch", "dense layers", depths, d_times, d_pred, d_peer)
    for row in rows:
        print(",".join(str(x) for x in row))


if __name__ == "__main__":
    main()
