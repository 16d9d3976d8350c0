"""Writes the .npy files that npy-numpy.test reads, with numpy's own writer."""
import os
import sys

import numpy as np

out = sys.argv[1]
np.save(os.path.join(out, "f32.npy"), np.arange(30, dtype=np.float32).reshape(2, 3, 5))
with open(os.path.join(out, "f16_v2.npy"), "wb") as f:
    a = np.array([-1.5, -1.0, 0.0, np.nan, 0.0, 1.0, 1.5], dtype=np.float16)
    np.lib.format.write_array(f, a, version=(2, 0))
np.save(os.path.join(out, "bool.npy"), np.array([[True, False], [True, True]]))
np.save(os.path.join(out, "i64_scalar.npy"), np.array(-42, dtype=np.int64))
np.save(os.path.join(out, "fortran.npy"), np.asfortranarray(np.ones((3, 4), dtype=np.float32)))
np.save(os.path.join(out, "big_endian.npy"), np.ones(4, dtype=">f4"))
path = os.path.join(out, "truncated.npy")
np.save(path, np.zeros(100, dtype=np.float32))
with open(path, "r+b") as f:
    f.truncate(os.path.getsize(path) - 1)
