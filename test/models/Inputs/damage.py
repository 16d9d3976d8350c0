#!/usr/bin/env python3
"""damage.py FILE: zero the first 64 bytes of FILE, keeping its size, so a
size check passes and only the content is wrong."""
import sys

path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[:64] = bytes(min(64, len(data)))
open(path, "wb").write(data)
