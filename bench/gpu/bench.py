#!/usr/bin/env python3
"""GPU attention benchmark: attnc vs PyTorch SDPA vs compiled FlexAttention.

Runs on the GPU machine (bench/gpu/run_on_h200.sh calls it) with the
artifacts bench/gpu/make_artifacts.sh compiled from bench/gpu/kernels.mlir:

  bench.py --attnc-run build-rt/bin/attnc-run --artifacts OUT [--out report.md]
           [--lengths 1024,2048,4096,8192,16384] [--runs 20] [--configs causal_d128,...]

Configurations (bf16, B*L = 16384 tokens, H*D = 2048): {dense, causal,
sliding window 1024 (causal), document masking (4 equal documents), ALiBi
(causal), soft-capping 50 (causal)} x D in {64, 128} x L in {1k..16k}.

Per configuration it reports the median time (CUDA events, after a warm-up)
and TFLOP/s of
  * attnc: `attnc-run attention ARTIFACT --bench N` (the kernel only; the
    run-time tile map of the document mask is built once per input, like
    FlexAttention's block mask, and not timed);
  * torch SDPA with the fastest backend that accepts the configuration
    (flash, efficient, cuDNN, math: named in the table); masks SDPA has no
    flag for are passed as boolean / additive tensors; soft-capping cannot be
    expressed and is reported as n/a;
  * torch.compile(flex_attention) with the equivalent mask_mod / score_mod
    (the block mask is built once, outside the timing).
FLOPs count only visible (query, key) pairs: 4 * B * H * D * pairs, so all
three are measured against the same work. First-call costs are reported
separately: attnc's module load (its NVRTC compile happened on the build
machine; its cold and cached compile times come from make_artifacts.sh's
compile-times.txt) and FlexAttention's first call (compilation included).
"""
import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import time

KINDS = ["dense", "causal", "window1024", "document4", "alibi_causal", "softcap_causal"]
TOKENS = 16384
WIDTH = 2048
WINDOW = 1024
DOCS = 4
SOFTCAP = 50.0


def visible_pairs(kind, L):
    """Visible (query, key) pairs of one head, counted exactly."""
    if kind == "dense":
        return L * L
    if kind in ("causal", "alibi_causal", "softcap_causal"):
        return L * (L + 1) // 2
    if kind == "window1024":
        return sum(min(i + 1, WINDOW + 1) for i in range(L))
    if kind == "document4":
        cuts = [0] + [d * L // DOCS for d in range(1, DOCS)] + [L]
        return sum((cuts[d + 1] - cuts[d]) ** 2 for d in range(DOCS))
    raise ValueError(kind)


def alibi_slopes(H):
    return [2.0 ** (-8.0 * (h + 1) / H) for h in range(H)]


# The kernel images attnc-run picked ("sm_90a wgmma_sm90"), for the report.
IMAGES_USED = set()


def run_attnc(args, name, B, L):
    art = os.path.join(args.artifacts, "bench", name + ".attnc-gpu")
    cmd = [args.attnc_run, "attention", art, "--b", str(B), "--lq", str(L), "--lk", str(L),
           "--bench", str(args.runs), "--docs", str(DOCS), "--even-docs", "--seed", "1"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    image = re.search(r"; image (\S+ \S+)", p.stdout)
    if image:
        IMAGES_USED.add(image.group(1))
    m = re.search(r"bench: median_ms=([0-9.]+) .* load_ms=([0-9.]+)", p.stdout)
    if p.returncode != 0 or not m:
        return None, None, (p.stdout + p.stderr).strip().splitlines()[-1:]
    return float(m.group(1)), float(m.group(2)), None


class Torch:
    def __init__(self):
        import torch
        from torch.nn.attention import SDPBackend, sdpa_kernel
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
        self.torch = torch
        # Every (mask, score_mod, length) is a new graph for Dynamo; without a
        # larger cache it would fall back to eager (unfused) FlexAttention.
        torch._dynamo.config.cache_size_limit = 1024
        if hasattr(torch._dynamo.config, "accumulated_cache_size_limit"):
            torch._dynamo.config.accumulated_cache_size_limit = 4096
        self.SDPBackend, self.sdpa_kernel = SDPBackend, sdpa_kernel
        self.create_block_mask = create_block_mask
        self.flex = torch.compile(flex_attention)
        self.flex_first_call = {}

    def time(self, fn, runs):
        torch = self.torch
        for _ in range(3):
            fn()
        ts = []
        for _ in range(runs):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            fn()
            e.record()
            e.synchronize()
            ts.append(s.elapsed_time(e))
        return statistics.median(ts)

    def inputs(self, B, H, L, D):
        torch = self.torch
        g = torch.Generator(device="cuda").manual_seed(1)
        return [torch.randn(B, H, L, D, device="cuda", dtype=torch.bfloat16, generator=g) for _ in range(3)]

    def doc_ids(self, L):
        torch = self.torch
        ids = torch.zeros(L, dtype=torch.int32, device="cuda")
        for d in range(1, DOCS):
            ids[d * L // DOCS:] += 1
        return ids

    def sdpa(self, kind, q, k, v, runs):
        """(median ms, backend name) of the fastest backend, or (None, why)."""
        torch, F = self.torch, self.torch.nn.functional
        B, H, L, D = q.shape
        kwargs = {}
        if kind == "softcap_causal":
            return None, "n/a (no soft-capping)"
        if kind == "causal":
            kwargs["is_causal"] = True
        elif kind != "dense":
            i = torch.arange(L, device="cuda")
            if kind == "window1024":
                mask = (i[None, :] <= i[:, None]) & (i[None, :] >= i[:, None] - WINDOW)
            elif kind == "document4":
                ids = self.doc_ids(L)
                mask = ids[:, None] == ids[None, :]
            else:  # alibi_causal: an additive bias [H, L, L]
                if H * L * L * 2 > 16 << 30:
                    return None, "n/a (bias > 16 GiB)"
                slopes = torch.tensor(alibi_slopes(H), device="cuda")
                dist = (i[:, None] - i[None, :]).abs().to(torch.float32)
                mask = (-slopes[:, None, None] * dist).to(torch.bfloat16)
                mask = mask.masked_fill(i[None, :] > i[:, None], float("-inf"))
            kwargs["attn_mask"] = mask
        best = (None, "no backend accepted it")
        for backend in (self.SDPBackend.FLASH_ATTENTION, self.SDPBackend.CUDNN_ATTENTION,
                        self.SDPBackend.EFFICIENT_ATTENTION, self.SDPBackend.MATH):
            if backend == self.SDPBackend.MATH and L > 4096:
                continue  # materialises B*H*L*L scores
            try:
                with self.sdpa_kernel([backend]):
                    ms = self.time(lambda: F.scaled_dot_product_attention(q, k, v, **kwargs), runs)
            except Exception:  # the backend does not support this configuration
                continue
            if best[0] is None or ms < best[0]:
                best = (ms, backend.name.lower())
        return best

    def flex_run(self, kind, q, k, v, runs):
        """(median ms, first-call ms) of compiled FlexAttention."""
        torch = self.torch
        B, H, L, D = q.shape
        causal = lambda b, h, qi, ki: ki <= qi
        score_mod = None
        if kind == "dense":
            mask_mod = None
        elif kind in ("causal", "alibi_causal", "softcap_causal"):
            mask_mod = causal
        elif kind == "window1024":
            mask_mod = lambda b, h, qi, ki: (ki <= qi) & (ki >= qi - WINDOW)
        elif kind == "document4":
            ids = self.doc_ids(L)
            mask_mod = lambda b, h, qi, ki: ids[qi] == ids[ki]
        if kind == "alibi_causal":
            slopes = torch.tensor(alibi_slopes(H), device="cuda")
            score_mod = lambda s, b, h, qi, ki: s - slopes[h] * (qi - ki).abs()
        elif kind == "softcap_causal":
            score_mod = lambda s, b, h, qi, ki: SOFTCAP * torch.tanh(s / SOFTCAP)
        block_mask = self.create_block_mask(mask_mod, None, None, L, L, device="cuda") if mask_mod else None
        fn = lambda: self.flex(q, k, v, score_mod=score_mod, block_mask=block_mask)
        first = None
        key = (kind, D)
        if key not in self.flex_first_call:  # a new mask/score_mod: Flex compiles now
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            torch.cuda.synchronize()
            first = (time.perf_counter() - t0) * 1e3
            self.flex_first_call[key] = first
        return self.time(fn, runs), first


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--attnc-run", required=True)
    ap.add_argument("--artifacts", required=True, help="output directory of make_artifacts.sh")
    ap.add_argument("--out", help="append the markdown report here (default: stdout)")
    ap.add_argument("--lengths", default="1024,2048,4096,8192,16384")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--configs", help="comma-separated subset, e.g. causal_d128,document4_d64")
    ap.add_argument("--no-torch", action="store_true", help="attnc only")
    ap.add_argument("--title", default="GPU benchmark (bench/gpu/bench.py)",
                    help="report heading (e.g. to tell an ATTNC_GPU_KERNEL=mma_sm80 run apart)")
    args = ap.parse_args()

    lengths = [int(x) for x in args.lengths.split(",")]
    configs = [f"{k}_d{d}" for d in (64, 128) for k in KINDS]
    if args.configs:
        configs = [c for c in configs if c in args.configs.split(",")]
    th = None
    if not args.no_torch:
        try:
            th = Torch()
        except Exception as e:  # no torch / no GPU: attnc numbers only
            print(f"bench.py: torch unavailable ({e}); attnc only", file=sys.stderr)

    lines = [f"## {args.title}", ""]
    if th:
        t = th.torch
        lines.append(f"Device: {t.cuda.get_device_name()}, torch {t.__version__}, "
                     f"CUDA {t.version.cuda}; bf16, B*L = {TOKENS}, H*D = {WIDTH}; "
                     f"median of {args.runs} runs (CUDA events) after 3 warm-up runs.")
    lines += ["", "TFLOP/s count visible pairs only (4*B*H*D*pairs). Ratios are attnc / baseline (> 1: attnc faster).",
              "", "| config | L | B x H | attnc ms | attnc TFLOP/s | SDPA ms (backend) | SDPA TFLOP/s | attnc/SDPA "
              "| Flex ms | Flex TFLOP/s | attnc/Flex |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    first_calls = []
    for cfg in configs:
        kind, d = cfg.rsplit("_d", 1)
        D = int(d)
        H = WIDTH // D
        for L in lengths:
            B = max(TOKENS // L, 1)
            flops = 4.0 * B * H * D * visible_pairs(kind, L)
            tf = lambda ms: f"{flops / (ms * 1e-3) / 1e12:.1f}" if ms else "-"
            a_ms, load_ms, err = run_attnc(args, cfg, B, L)
            s_ms, s_name, f_ms, f_first = None, "-", None, None
            if th:
                q, k, v = th.inputs(B, H, L, D)
                s_ms, s_name = th.sdpa(kind, q, k, v, args.runs)
                try:
                    f_ms, f_first = th.flex_run(kind, q, k, v, args.runs)
                except Exception as e:
                    print(f"bench.py: FlexAttention failed for {cfg} L={L}: {e}", file=sys.stderr)
                del q, k, v
                th.torch.cuda.empty_cache()
            if f_first is not None or (load_ms is not None and L == lengths[0]):
                first_calls.append((cfg, L, load_ms, f_first))
            ratio = lambda base: f"{base / a_ms:.2f}" if a_ms and base else "-"
            lines.append(f"| {cfg} | {L} | {B}x{H} | {a_ms if a_ms else 'FAILED: ' + ' '.join(err or [])} | "
                         f"{tf(a_ms)} | {f'{s_ms:.3f}' if s_ms else '-'} ({s_name}) | {tf(s_ms)} | {ratio(s_ms)} | "
                         f"{f'{f_ms:.3f}' if f_ms else '-'} | {tf(f_ms)} | {ratio(f_ms)} |")
            print(lines[-1], file=sys.stderr)
    lines += ["", "attnc kernel images used: " + (", ".join(sorted(IMAGES_USED)) or "none") +
              (f" (ATTNC_GPU_KERNEL={os.environ['ATTNC_GPU_KERNEL']})" if os.environ.get("ATTNC_GPU_KERNEL") else "")]
    lines += ["", "First call (ms): attnc = loading the precompiled CUBIN module on the GPU (NVRTC ran on the "
              "build machine, see compile-times.txt); Flex = first call of the compiled function (torch.compile).",
              "", "| config | L | attnc module load | Flex first call |", "|---|---|---|---|"]
    for cfg, L, load, flex in first_calls:
        lines.append(f"| {cfg} | {L} | {f'{load:.1f}' if load is not None else '-'} | "
                     f"{f'{flex:.0f}' if flex is not None else '-'} |")
    times = os.path.join(args.artifacts, "compile-times.txt")
    if os.path.exists(times):
        cold, hit = [], []
        for l in open(times):
            m = re.search(r"(NVRTC compile|cache hit) ([0-9.]+) s", l)
            if m:
                (cold if m.group(1) == "NVRTC compile" else hit).append(float(m.group(2)))
        if cold:
            lines += ["", f"attnc NVRTC compile on the build machine (make_artifacts.sh): cold median "
                      f"{statistics.median(cold):.3f} s (max {max(cold):.3f} s, {len(cold)} kernels); cache hit "
                      f"median {statistics.median(hit) * 1e3 if hit else float('nan'):.1f} ms."]
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "a") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
