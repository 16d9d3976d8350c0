#!/usr/bin/env python3
"""Assembles every module of a `attnc cuda --split-input-file --emit=ptx`
output (modules separated by `// -----` lines) with `ptxas -v` and prints
one line per kernel: the Hopper instructions its PTX uses and what ptxas
reports (registers, stack frame, spills, warnings), for FileCheck.

  ptxas-each.py --ptxas PTXAS --arch sm_90a FILE.ptx

Exit status 1 when ptxas rejects a module.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ptxas", required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("ptx")
    args = ap.parse_args()
    with open(args.ptx) as f:
        modules = [m for m in re.split(r"^// -----$", f.read(), flags=re.M) if ".entry" in m]
    if not modules:
        sys.exit("ptxas-each.py: no PTX module with a kernel in " + args.ptx)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for n, ptx in enumerate(modules):
            src = os.path.join(tmp, f"m{n}.ptx")
            with open(src, "w") as f:
                f.write(ptx)
            p = subprocess.run([args.ptxas, f"-arch={args.arch}", "-v", src, "-o", os.path.join(tmp, f"m{n}.cubin")],
                               capture_output=True, text=True)
            log = p.stdout + p.stderr
            if p.returncode:
                failed = True
                print(f"module {n}: ptxas failed:\n{log}")
                continue
            warnings = len(re.findall(r"warning", log, flags=re.I))
            counts = {name: len(re.findall(pattern, ptx, flags=re.M))
                      for name, pattern in (("wgmma", r"^\s*wgmma\.mma_async"),
                                            ("tma", r"^\s*cp\.async\.bulk\.tensor"),
                                            ("setmaxnreg", r"^\s*setmaxnreg"))}
            # Sorted: the attention kernel before its "_classify" kernel.
            for entry, body in sorted(re.findall(r"Compiling entry function '(\w+)'.*?\n(.*?)(?=Compiling entry|\Z)",
                                                 log, flags=re.S)):
                regs = re.search(r"Used (\d+) registers", body)
                frame = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", body)
                stack, stores, loads = frame.groups() if frame else ("?", "?", "?")
                # The PTX instruction (and ptxas warning) counts are the
                # module's; they belong to the attention kernel, not to the
                # tile classifier beside it.
                insts = "" if entry.endswith("_classify") else " ".join(f"{k}={v}" for k, v in counts.items()) + " "
                tail = "" if entry.endswith("_classify") else f" warnings={warnings}"
                print(f"{entry}: {insts}regs={regs.group(1) if regs else '?'} stack={stack} "
                      f"spill_stores={stores} spill_loads={loads}{tail}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
