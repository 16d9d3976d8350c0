#!/usr/bin/env python3
"""Runs `attnc-run attention ARTIFACT ARGS --check` for every line of a
manifest written by bench/gpu/make_artifacts.sh and summarises the results.

  run_manifest.py --attnc-run BIN --dir ARTIFACTS [--report FILE.md]
  run_manifest.py ... --dry-run   # under the fake CUDA driver: every run must
                                  # reach the check and find the NaN-poisoned
                                  # output no kernel wrote (validates the
                                  # manifest on machines without a GPU)

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
    args = ap.parse_args()

    manifest = os.path.join(args.dir, args.manifest)
    with open(manifest) as f:
        lines = [l.split() for l in f if l.strip()]
    if not lines:
        sys.exit(f"run_manifest.py: {manifest} is empty")
    rows, failures = [], 0
    for artifact, *rest in lines:
        cmd = [args.attnc_run, "attention", os.path.join(args.dir, artifact), *rest]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            out, rc = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            out, rc = "timed out", -1
        if args.dry_run:
            ok = rc == 1 and "is NaN (not written" in out
        else:
            ok = rc == 0 and "check: PASS" in out
        detail = next((l.strip() for l in out.splitlines() if l.startswith(("out:", "FAIL", "attnc-run: error"))), "")
        seed = next((l.split("seed=")[1] for l in out.splitlines() if "seed=" in l), "?")
        rows.append((artifact, " ".join(rest), "PASS" if ok else "FAIL", seed, detail))
        if not ok:
            failures += 1
            sys.stderr.write(f"FAIL: {shlex.join(cmd)}\n{out}\n")
    what = "reached the check" if args.dry_run else "passed"
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
