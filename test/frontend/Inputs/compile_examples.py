"""Compile every examples/**/*.attn with `attnc --emit=mlir` and verify the
output with attn-opt. Also checks that each example opens with a comment
saying what it is. Prints one line per example; exits 1 on any failure."""
import pathlib
import subprocess
import sys

attnc, attn_opt, root = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
failures = 0
examples = sorted(root.rglob("*.attn"))
for path in examples:
    first = path.read_text().lstrip().splitlines()[0] if path.read_text().strip() else ""
    problem = None
    if not first.startswith("#"):
        problem = "no header comment"
    else:
        gen = subprocess.run([attnc, "--emit=mlir", str(path)], capture_output=True, text=True, timeout=120)
        if gen.returncode != 0:
            problem = "attnc failed:\n" + gen.stderr
        else:
            ver = subprocess.run([attn_opt], input=gen.stdout, capture_output=True, text=True, timeout=120)
            if ver.returncode != 0:
                problem = "attn-opt rejected the output:\n" + ver.stderr
            elif "func.func @" not in ver.stdout:
                problem = "no function in the output"
    rel = path.relative_to(root)
    if problem:
        failures += 1
        print(f"FAIL {rel}: {problem}")
    else:
        print(f"OK {rel}")
print(f"{len(examples)} examples, {failures} failed")
sys.exit(1 if failures or not examples else 0)
