#!/usr/bin/python3
# ===- torch_attention.py - PyTorch eager attention baseline for attnc-bench-cpu -===#
#
# Times the unfused PyTorch expression
#     torch.softmax(q @ k.transpose(-1, -2) * scale (+ mask), -1) @ v
# on B=1 tensors with torch.set_num_threads(--threads): one warm-up call,
# then the median of --reps calls. The mask is an additive [L, L] tensor of
# 0 / -inf built once, outside the timing. Prints one line per case:
#     torch <mask> <D> <L> <median_ms>
# attnc-bench-cpu runs this script (with /usr/bin/python3, Debian's
# python3-torch 1.13 on OpenBLAS) and joins the numbers to its own.
#
# Memory: the expression materialises several [H, L, L] f32 tensors (the
# scores, the scaled scores, the masked ones, the probabilities). Above
# --max-score-mib per score tensor the heads are processed in groups, each
# group with the same expression, so L=8192 stays within a few GiB on a
# shared machine; the line then ends with "head_groups=<n>".
# ===------------------------------------------------------------------------===#
import argparse
import math
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--dims", default="64,128")
    ap.add_argument("--lengths", default="512,1024,2048,4096,8192")
    ap.add_argument("--masks", default="full,causal,window")
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-score-mib", type=int, default=512)
    args = ap.parse_args()
    try:
        import torch
    except ImportError as e:  # reported, not fatal for the C++ benchmark
        print(f"error: cannot import torch: {e}", file=sys.stderr)
        return 1
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}", flush=True)
    H = args.heads
    for D in [int(x) for x in args.dims.split(",")]:
        for mask_name in args.masks.split(","):
            for L in [int(x) for x in args.lengths.split(",")]:
                q = torch.randn(1, H, L, D)
                k = torch.randn(1, H, L, D)
                v = torch.randn(1, H, L, D)
                scale = 1.0 / math.sqrt(D)
                mask = None
                if mask_name != "full":
                    i = torch.arange(L).view(L, 1)
                    j = torch.arange(L).view(1, L)
                    visible = j <= i
                    if mask_name == "window":
                        visible &= j > i - args.window
                    mask = torch.zeros(L, L).masked_fill(~visible, float("-inf"))
                score_mib = H * L * L * 4 / 2**20
                groups = 1
                while score_mib / groups > args.max_score_mib and groups < H:
                    groups *= 2
                per = H // groups

                def run():
                    outs = []
                    for g in range(groups):
                        qg, kg, vg = (t[:, g * per:(g + 1) * per] for t in (q, k, v))
                        s = qg @ kg.transpose(-1, -2) * scale
                        if mask is not None:
                            s = s + mask
                        outs.append(torch.softmax(s, -1) @ vg)
                    return outs

                with torch.no_grad():
                    run()  # warm-up
                    times = []
                    for _ in range(args.reps):
                        t0 = time.perf_counter()
                        run()
                        times.append(time.perf_counter() - t0)
                extra = f" head_groups={groups}" if groups > 1 else ""
                print(f"torch {mask_name} {D} {L} {statistics.median(times) * 1e3:.3f}{extra}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
