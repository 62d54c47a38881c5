#!/usr/bin/env python3
"""Small valid inputs for the file-format fuzz targets (tests/fuzz/run).

    seeds.py FORMAT CORPUS_DIR

idx: fuzz_idx.c's input (an option byte, the images file's length, the
images file, the labels file) for 2x2 images, plain and gzip'd; npy: two
shape bytes and a .npy file of every dtype, order and header version the
reader accepts; run_json: run.json files as train.c writes them. Files are
named by the SHA-1 of their bytes, as libFuzzer names its own.
"""
import gzip
import hashlib
import struct
import sys


def save(directory, data):
    with open(f"{directory}/{hashlib.sha1(data).hexdigest()}", "wb") as f:
        f.write(data)


def idx_pair(count, rows, cols, classes):
    images = struct.pack(">IIII", 0x803, count, rows, cols) + bytes((i * 37) % 256 for i in range(count * rows * cols))
    labels = struct.pack(">II", 0x801, count) + bytes(i % classes for i in range(count))
    return images, labels


def idx_seeds(directory):
    for count, option in ((5, 0), (8, 3), (1, 1)):
        images, labels = idx_pair(count, 2, 2, 2)
        for wrap in (lambda b: b, lambda b: gzip.compress(b, mtime=0)):
            a, b = wrap(images), wrap(labels)
            save(directory, bytes([option]) + struct.pack("<I", len(a)) + a + b)


def npy_file(descr, shape, fortran, data, major=1, quote="'"):
    q = quote
    header = "{%sdescr%s: %s%s%s, %sfortran_order%s: %s, %sshape%s: (%s), }" % (
        q, q, q, descr, q, q, q, "True" if fortran else "False", q, q,
        ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else ""))
    prefix = 10 if major == 1 else 12
    pad = (64 - (prefix + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    length = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + length + header.encode("latin1") + data


def npy_seeds(directory):
    rows, cols = 3, 4
    values = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0]
    kinds = {"<f4": "<f", ">f8": ">d", "<i2": "<h", "|u1": "B", "|b1": "?", ">u4": ">I", "<i8": "<q"}
    for descr, code in kinds.items():
        data = b"".join(struct.pack(code, v) for v in values)
        for major in (1, 2, 3):
            for fortran in (False, True):
                save(directory, bytes([rows - 1, cols - 1]) + npy_file(descr, (rows, cols), fortran, data, major))
    save(directory, bytes([rows - 1, cols - 1]) + npy_file("<f4", (rows, cols), False,
                                                           struct.pack("<12f", *values), 1, '"'))


RUN_JSON = """{
  "model": "m",
  "model_file": "ok.sas",
  "wall_seconds": 0.5,
  "resumed": [],
  "task": "%s",
  "status": "completed",
  "settings": {%s
  },
  "seed": 1,
  "precision": 32,
  "batch": 5,
  "shards": 1,
  "compiler": "sasc 0.1.0 (LLVM 19.1.7)",
  "compile_seconds": 0.2,
  "runtime_version": "sasc runtime 0.1.0",
  "layers": [
    {"name": "y", "fan_in": 4, "width": 3}
  ],
  "final": null
}
"""


def run_json_seeds(directory):
    settings = [("name", '"t \\"quoted\\"\\u0009"'), ("model", '"m"'), ("data", '"/usr/share/x"'),
                ("train", "20"), ("epochs", "1"), ("batch", "5"), ("seed", "18446744073709551615"),
                ("optimizer", '"adam"'), ("lr", "0.001"), ("precision", "32"), ("shuffle", "true"),
                ("vip_rule", '"strict"'), ("analyze", '"histograms,entropy"'), ("entropy_a", "1e-08")]
    body = ",".join('\n    "%s": %s' % pair for pair in settings)
    save(directory, (RUN_JSON % ("t", body)).encode())
    save(directory, (RUN_JSON % ("default", '\n    "epochs": 3')).encode())


if __name__ == "__main__":
    {"idx": idx_seeds, "npy": npy_seeds, "run_json": run_json_seeds}[sys.argv[1]](sys.argv[2])
