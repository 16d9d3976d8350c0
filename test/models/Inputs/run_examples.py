#!/usr/bin/env python3
"""Runs every example model of examples/ end to end on the CPU.

For each spec with a `model` block: write random weights with `attnc
weights`, then run a short forward pass with `attnc run` (and, for
decoders, a few generated tokens), with the run-time inputs the model asks
for (lengths, adjacency, memories) written as .npy files. Full-size
examples are shrunk with --override (the same settings for weights and
run), so CI stays within seconds. Prints "OK <name>" or "FAIL <name>: why".

usage: run_examples.py ATTNC EXAMPLES_DIR WORK_DIR
"""
import os
import re
import struct
import subprocess
import sys

SMALL = ["layers=2", "d_model=64", "heads=4", "ffn=128", "vocab=300", "max_positions=128"]
# Per-example extra overrides (keys the example sets that the generic list
# does not cover, or that must stay consistent with the others).
EXTRA = {
    "llama.attn": ["kv_heads=2"],
    "mistral.attn": ["kv_heads=2"],
    "linformer.attn": ["seq_proj=16"],
}
# Settings an example must keep (its per-layer blocks name layer indices).
KEEP = {"longformer.attn": ["layers"]}


def npy(path, dtype, shape, values):
    """Writes a little-endian .npy without numpy (numpy is optional here)."""
    code, fmt = {"i32": ("<i4", "i"), "i8": ("|i1", "b"), "f32": ("<f4", "f")}[dtype]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        code, "".join("%d," % d for d in shape))
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(values), fmt), *values))


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def main():
    attnc, examples, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    names = sorted(n for n in os.listdir(examples) if n.endswith(".attn"))
    count = failed = 0
    for name in names:
        path = os.path.join(examples, name)
        text = open(path).read()
        if not re.search(r"^\s*model\s", text, re.M):
            continue
        count += 1
        overrides = [o for o in SMALL + EXTRA.get(name, [])
                     if re.search(r"^\s*%s\s*=" % o.split("=")[0], text, re.M)
                     and o.split("=")[0] not in KEEP.get(name, [])]
        ov = ["--override=" + o for o in overrides]
        weights = os.path.join(work, name + ".safetensors")
        rc, out = run([attnc, "weights", path, "--seed", "1", "-o", weights] + ov)
        if rc:
            print("FAIL %s: attnc weights: %s" % (name, out.strip()))
            failed += 1
            continue
        plan_rc, plan = run([attnc, "run", path, "--emit-plan"] + ov)
        inputs = re.findall(r'^value (\d+) input "([^"]+)" (\w+) \[([^\]]*)\]', plan, re.M)
        args = []
        B, L = 2, 5
        d_model = int(re.search(r"d_model\s*=\s*(\d+)", " ".join(overrides) + text).group(1)) \
            if "d_model=64" not in overrides else 64
        for _, iname, dtype, shape in inputs:
            f = os.path.join(work, "%s.%s.npy" % (name, iname))
            if iname.endswith("tokens"):
                vals = [(7 * i + 3) % 250 + 1 for i in range(B * L)]
                npy(f, "i32", (B, L), vals)
            elif iname.endswith("lengths"):
                npy(f, "i32", (B,), [L, L - 2])
            elif iname == "adjacency":
                npy(f, "i8", (B, L, L), [1 if (i % L) <= ((i // L) % L) + 1 else 0
                                         for i in range(B * L * L)])
            elif iname.startswith("mems."):
                npy(f, "f32", (B, 3, d_model), [0.01 * ((i % 17) - 8) for i in range(B * 3 * d_model)])
            else:
                print("FAIL %s: no test input for '%s'" % (name, iname))
                failed += 1
                break
            args.append("--input=%s=%s" % (iname, f))
        else:
            rc, out = run([attnc, "run", path, "--weights", weights] + ov + args)
            bad = rc or "nan" in out.lower() or "inf" in out.lower()
            if not bad and "causal" in plan and "tokens" in plan and "mems." not in plan:
                # Decoders also generate a few tokens (with the KV cache when
                # the model allows it).
                gen_args = [a for a in args if "lengths=" not in a or "src_" in a]
                rc2, out2 = run([attnc, "run", path, "--weights", weights, "--generate", "3"]
                                + ov + gen_args)
                out += out2
                bad = rc2 != 0 or "generated:" not in out2
            if bad:
                print("FAIL %s: %s" % (name, out.strip()[-600:]))
                failed += 1
            else:
                print("OK %s" % name)
    print("%d models, %d failed" % (count, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
