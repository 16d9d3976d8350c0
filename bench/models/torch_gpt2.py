#!/usr/bin/env python3
"""PyTorch eager baseline for bench/models/gpt2.sh.

GPT-2 (the same weights file and names as attnc, docs/weights.md) written
the way Hugging Face runs it in eager mode: prefill computes logits for every
prompt position, then greedy decoding appends one token at a time with a
KV cache (torch.cat per layer and step, as HF's past_key_values do).

usage: torch_gpt2.py WEIGHTS PROMPT.npy NEW_TOKENS THREADS
Prints "prefill_s ... decode_tokens_per_s ... tokens ..." on one line.
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        a = np.frombuffer(data, dtype=np.float32, count=(end - b) // 4, offset=8 + n + b)
        out[name] = torch.from_numpy(a.reshape(e["shape"]).copy())
    return out


def main():
    w = load_safetensors(sys.argv[1])
    prompt = torch.from_numpy(np.load(sys.argv[2]).astype(np.int64))
    new, threads = int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    D = w["tok_emb.weight"].shape[1]
    H = 12
    NL = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("decoder.layers."))

    def ln(x, p):
        return F.layer_norm(x, (D,), w[p + ".weight"], w[p + ".bias"], 1e-5)

    def lin(x, p):
        return F.linear(x, w[p + ".weight"], w[p + ".bias"])

    def heads(x):
        b, l, _ = x.shape
        return x.view(b, l, H, D // H).transpose(1, 2)

    def forward(tok, past, start):
        L = tok.shape[1]
        x = w["tok_emb.weight"][tok] + w["pos_emb.weight"][start:start + L]
        for l in range(NL):
            p = f"decoder.layers.{l}"
            h = ln(x, p + ".norm1")
            q, k, v = (heads(lin(h, f"{p}.self_attn.{n}")) for n in ("q_proj", "k_proj", "v_proj"))
            if past[l] is not None:
                k = torch.cat([past[l][0], k], dim=2)
                v = torch.cat([past[l][1], v], dim=2)
            past[l] = (k, v)
            s = q @ k.transpose(-1, -2) / math.sqrt(D // H)
            if L > 1:
                mask = torch.ones(L, k.shape[2], dtype=torch.bool).tril(k.shape[2] - L)
                s = s.masked_fill(~mask, float("-inf"))
            a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(x.shape[0], L, D)
            x = x + lin(a, p + ".self_attn.o_proj")
            h = ln(x, p + ".norm2")
            x = x + lin(F.gelu(lin(h, p + ".ffn.fc1"), approximate="tanh"), p + ".ffn.fc2")
        return ln(x, "decoder.norm") @ w["tok_emb.weight"].t()

    with torch.no_grad():
        past = [None] * NL
        t0 = time.perf_counter()
        logits = forward(prompt, past, 0)
        t1 = time.perf_counter()
        toks = [int(logits[0, -1].argmax())]
        pos = prompt.shape[1]
        for _ in range(new - 1):
            logits = forward(torch.tensor([[toks[-1]]]), past, pos)
            pos += 1
            toks.append(int(logits[0, -1].argmax()))
        t2 = time.perf_counter()
    print("prefill_s %.3f decode_s %.3f decode_tokens_per_s %.2f tokens %s"
          % (t1 - t0, t2 - t1, (new - 1) / (t2 - t1), " ".join(map(str, toks))))


if __name__ == "__main__":
    main()
