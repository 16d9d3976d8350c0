#!/usr/bin/env python3
"""Runs `attnc-run attention ARTIFACT ARGS --check` for every line of a
manifest written by bench/gpu/make_artifacts.sh and summarises the results.

  run_manifest.py --attnc-run BIN --dir ARTIFACTS [--report FILE.md]
  run_manifest.py ... --dry-run   # under the fake CUDA driver: every run must
                                  # reach the check and find the NaN-poisoned
                                  # output no kernel wrote (validates the
                                  # manifest on machines without a GPU)
  run_manifest.py ... --kernel mma_sm80   # only artifacts with an image of that
                                  # kind, run with ATTNC_GPU_KERNEL=KIND (e.g. the
                                  # mma_sm80 fallback beside each wgmma_sm90 image);
                                  # each run must report that image

Exit status 0 when every run passed (or, with --dry-run, reached the check).
"""
import argparse
import os
import shlex
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--attnc-run", required=True)
    ap.add_argument("--dir", required=True, help="output directory of make_artifacts.sh")
    ap.add_argument("--manifest", default="manifest-numerics.txt")
    ap.add_argument("--report", help="append a markdown table here")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--kernel", help="kernel kind to force (ATTNC_GPU_KERNEL); artifacts without one are skipped")
    args = ap.parse_args()
    env = dict(os.environ)
    if args.kernel:
        env["ATTNC_GPU_KERNEL"] = args.kernel

    manifest = os.path.join(args.dir, args.manifest)
    with open(manifest) as f:
        lines = [l.split() for l in f if l.strip()]
    if not lines:
        sys.exit(f"run_manifest.py: {manifest} is empty")
    rows, failures, skipped = [], 0, 0
    for artifact, *rest in lines:
        path = os.path.join(args.dir, artifact)
        if args.kernel:
            info = subprocess.run([args.attnc_run, "artifact-info", path], capture_output=True, text=True).stdout
            if f" {args.kernel}: " not in info:
                skipped += 1
                continue
        cmd = [args.attnc_run, "attention", path, *rest]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
            out, rc = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            out, rc = "timed out", -1
        if args.dry_run:
            ok = rc == 1 and "is NaN (not written" in out
        else:
            ok = rc == 0 and "check: PASS" in out
        if args.kernel and not any(l.startswith("device:") and f" {args.kernel} (" in l for l in out.splitlines()):
            ok = False
        detail = next((l.strip() for l in out.splitlines() if l.startswith(("out:", "FAIL", "attnc-run: error"))), "")
        seed = next((l.split("seed=")[1] for l in out.splitlines() if "seed=" in l), "?")
        rows.append((artifact, " ".join(rest), "PASS" if ok else "FAIL", seed, detail))
        if not ok:
            failures += 1
            sys.stderr.write(f"FAIL: {shlex.join(cmd)}\n{out}\n")
    what = "reached the check" if args.dry_run else "passed"
    if args.kernel:
        what += f" with ATTNC_GPU_KERNEL={args.kernel} ({skipped} runs skipped: no {args.kernel} image)"
    print(f"run_manifest.py: {len(rows) - failures}/{len(rows)} runs {what}")
    if args.report:
        with open(args.report, "a") as f:
            f.write("| artifact | arguments | result | seed | detail |\n|---|---|---|---|---|\n")
            for r in rows:
                f.write("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |\n")
            f.write(f"\n{len(rows) - failures}/{len(rows)} runs {what}.\n\n")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
