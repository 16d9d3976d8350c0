#!/usr/bin/env python3
"""allclose.py A.npy B.npy...: all arrays equal within 1e-5 of the scale of A.

Reads .npy (float32, C order, version 1) without numpy so the model tests
do not need it."""
import ast
import struct
import sys


def load(path):
    data = open(path, "rb").read()
    assert data[:6] == b"\x93NUMPY", path
    hlen = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + hlen].decode())
    assert header["descr"] == "<f4", header
    n = 1
    for d in header["shape"]:
        n *= d
    return header["shape"], struct.unpack("<%df" % n, data[10 + hlen:10 + hlen + 4 * n])


shape, ref = load(sys.argv[1])
scale = max(1.0, max(abs(x) for x in ref))
worst = 0.0
for p in sys.argv[2:]:
    s, v = load(p)
    if s != shape:
        print("shape %s differs from %s in %s" % (s, shape, p))
        sys.exit(1)
    worst = max(worst, max(abs(a - b) for a, b in zip(ref, v)) / scale)
print("shape %s, max difference %.3g %s" % (tuple(shape), worst, "OK" if worst <= 1e-5 else "TOO LARGE"))
sys.exit(0 if worst <= 1e-5 else 1)
