#!/usr/bin/env python3
"""Small data sets in every format sasc reads, for tests/data_sources.sh.

    make_data.py KIND OUT [--train N] [--test N] [--seed S]

KIND is one of
  idx-float   OUT/ as IDX: float32 samples of shape 2x2 (magic 0x00000D03),
              int32 labels (0x00000C01)
  idx-short   OUT/ as IDX: int16 samples of shape 4 (0x00000B02), ubyte labels
  npy         OUT/x_train.npy ... y_test.npy: float64 (N, 2, 2) inputs, int64 labels
  npz         OUT (a file): the same arrays, stored in a zip
  npz-deflate OUT (a file): the same arrays, deflated
  npy-targets OUT/: float32 (N, 4) inputs and float32 (N, 1) targets (regression)
  cifar       OUT/: a fake cifar-10-batches-bin (data_batch_1..5.bin, test_batch.bin)
              of 32x32 images (3073-byte records; --side for smaller, malformed ones)
  csv         OUT/train.csv, OUT/test.csv with a header: a,b,c,d,noise,label,y

Classification samples: 3 classes, 4 inputs; input k is 1 + 2 * (k % 3 == class)
plus Gaussian noise (sd 0.5), so a small network separates them. Only the
standard library (numpy is not needed).
"""
import argparse
import gzip
import os
import random
import struct
import zipfile

CLASSES = 3


def samples(count, rng, features=4):
    """(inputs, label) pairs of the 3-class task."""
    out = []
    for _ in range(count):
        label = rng.randrange(CLASSES)
        x = [1.0 + 2.0 * (k % CLASSES == label) + rng.gauss(0, 0.5) for k in range(features)]
        out.append((x, label))
    return out


def idx_bytes(type_code, dims, fmt, values):
    head = struct.pack(">BBBB", 0, 0, type_code, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    return head + b"".join(struct.pack(">" + fmt, v) for v in values)


def write(path, data, compress=False):
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(data)


def npy_bytes(descr, shape, fmt, values):
    """A .npy file, format 1.0, C order."""
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1")
            + b"".join(struct.pack("<" + fmt, v) for v in values))


def flat(s):
    return [v for x, _ in s for v in x]


def make_idx_float(args, rng):
    os.makedirs(args.out, exist_ok=True)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        s = samples(getattr(args, split), rng)
        write(os.path.join(args.out, prefix + "-images-idx3-float"),
              idx_bytes(0x0D, [len(s), 2, 2], "f", flat(s)))
        write(os.path.join(args.out, prefix + "-labels-idx1-int"),
              idx_bytes(0x0C, [len(s)], "i", [l for _, l in s]), compress=True)


def make_idx_short(args, rng):
    os.makedirs(args.out, exist_ok=True)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        s = samples(getattr(args, split), rng)
        write(os.path.join(args.out, prefix + "-images-idx2-short"),
              idx_bytes(0x0B, [len(s), 4], "h", [int(round(100 * v)) for v in flat(s)]))
        write(os.path.join(args.out, prefix + "-labels-idx1-ubyte"),
              idx_bytes(0x08, [len(s)], "B", [l for _, l in s]))


def npy_arrays(args, rng):
    arrays = {}
    for split in ("train", "test"):
        s = samples(getattr(args, split), rng)
        arrays["x_" + split] = npy_bytes("<f8", (len(s), 2, 2), "d", flat(s))
        arrays["y_" + split] = npy_bytes("<i8", (len(s),), "q", [l for _, l in s])
    return arrays


def make_npy(args, rng):
    os.makedirs(args.out, exist_ok=True)
    for name, data in npy_arrays(args, rng).items():
        write(os.path.join(args.out, name + ".npy"), data)


def make_npz(args, rng, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(args.out, "w", compression=method) as z:
        for name, data in npy_arrays(args, rng).items():
            z.writestr(name + ".npy", data)


def make_npy_targets(args, rng):
    """y = sin(x0) + x1 * x2 - x3 / 2, inputs uniform in [-2, 2]."""
    import math
    os.makedirs(args.out, exist_ok=True)
    for split in ("train", "test"):
        n = getattr(args, split)
        xs = [[rng.uniform(-2, 2) for _ in range(4)] for _ in range(n)]
        ys = [math.sin(x[0]) + x[1] * x[2] / 2 - x[3] / 2 for x in xs]
        write(os.path.join(args.out, "x_" + split + ".npy"),
              npy_bytes("<f4", (n, 4), "f", [v for x in xs for v in x]))
        write(os.path.join(args.out, "y_" + split + ".npy"), npy_bytes("<f4", (n, 1), "f", ys))


def make_cifar(args, rng):
    """Class c: channel c % 3 bright (200 + noise), the others dark (50 + noise)."""
    os.makedirs(args.out, exist_ok=True)
    side = args.side
    names = ["data_batch_%d.bin" % b for b in range(1, 6)] + ["test_batch.bin"]
    for name in names:
        n = args.test if name == "test_batch.bin" else args.train // 5
        records = bytearray()
        for _ in range(n):
            label = rng.randrange(10)
            records.append(label)
            for channel in range(3):
                base = 200 if channel == label % 3 else 50
                records.extend(max(0, min(255, int(base + rng.gauss(0, 20)))) for _ in range(side * side))
        write(os.path.join(args.out, name), bytes(records))
    with open(os.path.join(args.out, "batches.meta.txt"), "w") as f:
        f.write("\n".join("class%d" % c for c in range(10)) + "\n")


def make_csv(args, rng):
    os.makedirs(args.out, exist_ok=True)
    for split in ("train", "test"):
        with open(os.path.join(args.out, split + ".csv"), "w") as f:
            f.write("a,b,c,d,noise,label,y\n")
            for x, label in samples(getattr(args, split), rng):
                f.write(",".join("%.6g" % v for v in x) + ",%.6g,%d,%.6g\n"
                        % (rng.gauss(0, 1), label, x[0] - x[1]))


KINDS = {"idx-float": make_idx_float, "idx-short": make_idx_short, "npy": make_npy,
         "npz": make_npz, "npz-deflate": lambda a, r: make_npz(a, r, zipfile.ZIP_DEFLATED),
         "npy-targets": make_npy_targets, "cifar": make_cifar, "csv": make_csv}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("out")
    p.add_argument("--train", type=int, default=300)
    p.add_argument("--test", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--side", type=int, default=32)
    args = p.parse_args()
    KINDS[args.kind](args, random.Random(args.seed))


if __name__ == "__main__":
    main()
