"""Replay every file in the given corpus directories through attnc (both
--emit=ast and --emit=mlir). Each run must exit with 0 or 1 within the time
limit: a signal, an abort or another exit code is a failure."""
import pathlib
import subprocess
import sys

attnc = sys.argv[1]
files = sorted(p for d in sys.argv[2:] for p in pathlib.Path(d).rglob("*") if p.is_file())
bad = 0
for path in files:
    for emit in ("ast", "mlir"):
        try:
            r = subprocess.run([attnc, f"--emit={emit}", str(path)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=30)
        except subprocess.TimeoutExpired:
            print(f"HANG {path} --emit={emit}")
            bad += 1
            continue
        if r.returncode not in (0, 1):
            tail = r.stderr.decode(errors="replace")[-400:]
            print(f"CRASH {path} --emit={emit}: exit {r.returncode}\n{tail}")
            bad += 1
print(f"replayed {len(files)} inputs, {bad} failures")
sys.exit(1 if bad or not files else 0)
