"""Finding and running the PyTorch peers, shared by bench/run and
bench/scaling.py. Imports nothing beyond the standard library, so the
harnesses run (and report the peers as skipped) where torch is missing."""
import json
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def torch_python(requested=None):
    """The first interpreter that imports torch and numpy, or None."""
    candidates = [requested] if requested else ["/usr/bin/python3", "python3"]
    for python in candidates:
        if shutil.which(python) is None:
            continue
        probe = subprocess.run([python, "-c", "import torch, numpy"], capture_output=True)
        if probe.returncode == 0:
            return python
    return None


def peer_command(python, script, arguments):
    """The command line of a peer script (-B: no __pycache__ in the tree)."""
    return [python, "-B", os.path.join(HERE, script)] + arguments


def result_line(output):
    """The peer's RESULT {json} line as a dict, or None when it printed none."""
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return None
