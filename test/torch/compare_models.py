#!/usr/bin/env python3
"""attnc vs PyTorch on small random models, end to end.

For each model family this script builds a small random model in PyTorch,
writes its weights as safetensors under attnc's names (docs/weights.md),
writes the matching .attn spec, runs the model in PyTorch and with
`attnc run`, and checks that
  * logits agree: max |attnc - torch| <= 1e-4 * max(1, max |torch|) (f32),
  * greedy generations (decoders) are the same tokens.
The PyTorch side is written independently of attnc: plain tensor ops (and
torch.nn.Transformer for the encoder-decoder), no attnc code.

usage: compare_models.py ATTNC WORK_DIR [model ...]
Prints "PASS <model>: ..." / "FAIL <model>: ..." lines and the seed.
"""
import json
import math
import os
import struct
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

TOL = 1e-4
GEN = 8


def write_safetensors(path, tensors):
    """The safetensors format by hand (the pip package is not in Debian)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype(np.float32))
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rand(gen, *shape, std=0.15):
    return torch.randn(*shape, generator=gen) * std


def gain(gen, n):
    return 1.0 + 0.1 * torch.randn(n, generator=gen)


def linear(x, w, b=None):
    return F.linear(x, w, b)


def split(x, h):
    b, l, d = x.shape
    return x.view(b, l, h, d // h).transpose(1, 2)


def merge(x):
    b, h, l, d = x.shape
    return x.transpose(1, 2).reshape(b, l, h * d)


def attention(q, k, v, mask=None, bias=None):
    """Naive attention; mask: bool [.., Lq, Lk] True = visible."""
    g = q.shape[1] // k.shape[1]
    if g > 1:  # query head h reads key/value head h // g
        k = k.repeat_interleave(g, dim=1)
        v = v.repeat_interleave(g, dim=1)
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if bias is not None:
        s = s + bias
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    return torch.softmax(s, dim=-1) @ v


def causal(lq, lk):
    i = torch.arange(lq)[:, None] + (lk - lq)
    return torch.arange(lk)[None, :] <= i


def rms(x, g, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g


def rope(x, theta):
    d = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = torch.arange(x.shape[2], dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def sinusoids(length, d):
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    i2 = torch.arange(0, d, 2, dtype=torch.float64)
    pe = torch.zeros(length, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos / 10000 ** (i2 / d))
    pe[:, 1::2] = torch.cos(pos / 10000 ** (i2 / d))
    return pe.float()


def t5_bucket(rel, num_buckets, max_distance, bidirectional):
    """transformers' T5Attention._relative_position_bucket."""
    ret = torch.zeros_like(rel)
    n = num_buckets
    if bidirectional:
        n //= 2
        ret += (rel > 0).long() * n
        rel = rel.abs()
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    max_exact = n // 2
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (n - max_exact)).long()
    large = torch.min(large, torch.full_like(large, n - 1))
    return ret + torch.where(rel < max_exact, rel, large)


# --- Model families ---------------------------------------------------------
# Each returns (spec, weights, inputs, forward(inputs) -> logits, generation)
# where generation is None or (stream input name, other inputs).

def gpt2(gen):
    V, P, D, H, FF, NL = 97, 64, 48, 4, 96, 2
    spec = f"""model gpt2_tiny {{
  vocab = {V}
  max_positions = {P}
  d_model = {D}
  heads = {H}
  ffn = {FF}
  norm = layernorm
  norm_eps = 1e-5
  activation = gelu_tanh
  positions = learned
  head = tied
  decoder {{ layers = {NL}  mask = causal }}
}}
"""
    w = {"tok_emb.weight": rand(gen, V, D), "pos_emb.weight": rand(gen, P, D)}
    for l in range(NL):
        p = f"decoder.layers.{l}."
        for n in ("norm1", "norm2"):
            w[p + n + ".weight"], w[p + n + ".bias"] = gain(gen, D), rand(gen, D)
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            w[p + "self_attn." + n + ".weight"], w[p + "self_attn." + n + ".bias"] = rand(gen, D, D), rand(gen, D)
        w[p + "ffn.fc1.weight"], w[p + "ffn.fc1.bias"] = rand(gen, FF, D), rand(gen, FF)
        w[p + "ffn.fc2.weight"], w[p + "ffn.fc2.bias"] = rand(gen, D, FF), rand(gen, D)
    w["decoder.norm.weight"], w["decoder.norm.bias"] = gain(gen, D), rand(gen, D)

    def forward(inp):
        tok = inp["tokens"]
        L = tok.shape[1]
        x = w["tok_emb.weight"][tok] + w["pos_emb.weight"][:L]
        for l in range(NL):
            p = f"decoder.layers.{l}."
            h = F.layer_norm(x, (D,), w[p + "norm1.weight"], w[p + "norm1.bias"], 1e-5)
            q, k, v = (split(linear(h, w[p + f"self_attn.{n}.weight"], w[p + f"self_attn.{n}.bias"]), H)
                       for n in ("q_proj", "k_proj", "v_proj"))
            a = merge(attention(q, k, v, causal(L, L)))
            x = x + linear(a, w[p + "self_attn.o_proj.weight"], w[p + "self_attn.o_proj.bias"])
            h = F.layer_norm(x, (D,), w[p + "norm2.weight"], w[p + "norm2.bias"], 1e-5)
            h = F.gelu(linear(h, w[p + "ffn.fc1.weight"], w[p + "ffn.fc1.bias"]), approximate="tanh")
            x = x + linear(h, w[p + "ffn.fc2.weight"], w[p + "ffn.fc2.bias"])
        x = F.layer_norm(x, (D,), w["decoder.norm.weight"], w["decoder.norm.bias"], 1e-5)
        return x @ w["tok_emb.weight"].t()

    tokens = torch.randint(0, V, (2, 11), generator=gen)
    return spec, w, {"tokens": tokens}, forward, ("tokens", {})


def llama(gen):
    V, D, H, KV, FF, NL, THETA = 89, 64, 8, 2, 80, 2, 10000.0
    spec = f"""model llama_tiny {{
  vocab = {V}
  d_model = {D}
  heads = {H}
  kv_heads = {KV}
  ffn = {FF}
  norm = rmsnorm
  norm_eps = 1e-5
  activation = swiglu
  bias = false
  positions = rope(theta = 10000)
  head = untied
  decoder {{ layers = {NL} }}
}}
"""
    hd = D // H
    w = {"tok_emb.weight": rand(gen, V, D), "lm_head.weight": rand(gen, V, D)}
    for l in range(NL):
        p = f"decoder.layers.{l}."
        w[p + "norm1.weight"], w[p + "norm2.weight"] = gain(gen, D), gain(gen, D)
        w[p + "self_attn.q_proj.weight"] = rand(gen, H * hd, D)
        w[p + "self_attn.k_proj.weight"] = rand(gen, KV * hd, D)
        w[p + "self_attn.v_proj.weight"] = rand(gen, KV * hd, D)
        w[p + "self_attn.o_proj.weight"] = rand(gen, D, H * hd)
        w[p + "ffn.gate_proj.weight"] = rand(gen, FF, D)
        w[p + "ffn.up_proj.weight"] = rand(gen, FF, D)
        w[p + "ffn.down_proj.weight"] = rand(gen, D, FF)
    w["decoder.norm.weight"] = gain(gen, D)

    def forward(inp):
        tok = inp["tokens"]
        L = tok.shape[1]
        x = w["tok_emb.weight"][tok]
        for l in range(NL):
            p = f"decoder.layers.{l}."
            h = rms(x, w[p + "norm1.weight"], 1e-5)
            q = rope(split(linear(h, w[p + "self_attn.q_proj.weight"]), H), THETA)
            k = rope(split(linear(h, w[p + "self_attn.k_proj.weight"]), KV), THETA)
            v = split(linear(h, w[p + "self_attn.v_proj.weight"]), KV)
            x = x + linear(merge(attention(q, k, v, causal(L, L))), w[p + "self_attn.o_proj.weight"])
            h = rms(x, w[p + "norm2.weight"], 1e-5)
            h = F.silu(linear(h, w[p + "ffn.gate_proj.weight"])) * linear(h, w[p + "ffn.up_proj.weight"])
            x = x + linear(h, w[p + "ffn.down_proj.weight"])
        return rms(x, w["decoder.norm.weight"], 1e-5) @ w["lm_head.weight"].t()

    tokens = torch.randint(0, V, (1, 9), generator=gen)
    return spec, w, {"tokens": tokens}, forward, ("tokens", {})


def bert(gen):
    V, P, D, H, FF, NL = 83, 32, 48, 4, 96, 2
    spec = f"""model bert_tiny {{
  vocab = {V}
  max_positions = {P}
  d_model = {D}
  heads = {H}
  ffn = {FF}
  activation = gelu
  norm_position = post
  norm_eps = 1e-12
  positions = learned
  head = tied
  encoder {{ layers = {NL}  mask = padding }}
}}
"""
    w = {"tok_emb.weight": rand(gen, V, D), "pos_emb.weight": rand(gen, P, D)}
    for l in range(NL):
        p = f"encoder.layers.{l}."
        for n in ("norm1", "norm2"):
            w[p + n + ".weight"], w[p + n + ".bias"] = gain(gen, D), rand(gen, D)
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            w[p + "self_attn." + n + ".weight"], w[p + "self_attn." + n + ".bias"] = rand(gen, D, D), rand(gen, D)
        w[p + "ffn.fc1.weight"], w[p + "ffn.fc1.bias"] = rand(gen, FF, D), rand(gen, FF)
        w[p + "ffn.fc2.weight"], w[p + "ffn.fc2.bias"] = rand(gen, D, FF), rand(gen, D)

    def forward(inp):
        tok, lens = inp["tokens"], inp["lengths"]
        L = tok.shape[1]
        x = w["tok_emb.weight"][tok] + w["pos_emb.weight"][:L]
        keymask = (torch.arange(L)[None, :] < lens[:, None])[:, None, None, :]
        for l in range(NL):
            p = f"encoder.layers.{l}."
            q, k, v = (split(linear(x, w[p + f"self_attn.{n}.weight"], w[p + f"self_attn.{n}.bias"]), H)
                       for n in ("q_proj", "k_proj", "v_proj"))
            a = linear(merge(attention(q, k, v, keymask)), w[p + "self_attn.o_proj.weight"],
                       w[p + "self_attn.o_proj.bias"])
            x = F.layer_norm(x + a, (D,), w[p + "norm1.weight"], w[p + "norm1.bias"], 1e-12)
            h = F.gelu(linear(x, w[p + "ffn.fc1.weight"], w[p + "ffn.fc1.bias"]))
            h = linear(h, w[p + "ffn.fc2.weight"], w[p + "ffn.fc2.bias"])
            x = F.layer_norm(x + h, (D,), w[p + "norm2.weight"], w[p + "norm2.bias"], 1e-12)
        return x @ w["tok_emb.weight"].t()

    tokens = torch.randint(0, V, (3, 13), generator=gen)
    lengths = torch.tensor([13, 7, 1], dtype=torch.int32)
    return spec, w, {"tokens": tokens, "lengths": lengths}, forward, None


def transformer(gen):
    """torch.nn.Transformer (post-norm, ReLU) with sinusoidal positions."""
    V, D, H, FF, NL = 71, 32, 4, 64, 2
    spec = f"""model transformer_tiny {{
  vocab = {V}
  d_model = {D}
  heads = {H}
  ffn = {FF}
  activation = relu
  norm = layernorm
  norm_position = post
  positions = sinusoidal
  head = tied
  encoder {{ layers = {NL}  mask = padding }}
  decoder {{ layers = {NL} }}
}}
"""
    torch.manual_seed(int(torch.randint(0, 2 ** 31, (1,), generator=gen)))
    net = torch.nn.Transformer(d_model=D, nhead=H, num_encoder_layers=NL, num_decoder_layers=NL,
                               dim_feedforward=FF, dropout=0.0, batch_first=True)
    net.encoder.norm = None  # our post-norm stacks have no final norm
    net.decoder.norm = None
    with torch.no_grad():
        for prm in net.parameters():
            prm.copy_(rand(gen, *prm.shape) if prm.dim() > 1 else 0.1 * torch.randn(prm.shape, generator=gen))
        for mod in net.modules():
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.copy_(gain(gen, D))
    net.eval()
    emb = rand(gen, V, D)
    w = {"tok_emb.weight": emb}

    def attn_weights(prefix, m):
        q, k, v = m.in_proj_weight.chunk(3)
        qb, kb, vb = m.in_proj_bias.chunk(3)
        for n, t, b in (("q_proj", q, qb), ("k_proj", k, kb), ("v_proj", v, vb),
                        ("o_proj", m.out_proj.weight, m.out_proj.bias)):
            w[f"{prefix}.{n}.weight"], w[f"{prefix}.{n}.bias"] = t, b

    for l, layer in enumerate(net.encoder.layers):
        p = f"encoder.layers.{l}"
        attn_weights(p + ".self_attn", layer.self_attn)
        w[p + ".ffn.fc1.weight"], w[p + ".ffn.fc1.bias"] = layer.linear1.weight, layer.linear1.bias
        w[p + ".ffn.fc2.weight"], w[p + ".ffn.fc2.bias"] = layer.linear2.weight, layer.linear2.bias
        for i, n in enumerate((layer.norm1, layer.norm2)):
            w[f"{p}.norm{i + 1}.weight"], w[f"{p}.norm{i + 1}.bias"] = n.weight, n.bias
    for l, layer in enumerate(net.decoder.layers):
        p = f"decoder.layers.{l}"
        attn_weights(p + ".self_attn", layer.self_attn)
        attn_weights(p + ".cross_attn", layer.multihead_attn)
        w[p + ".ffn.fc1.weight"], w[p + ".ffn.fc1.bias"] = layer.linear1.weight, layer.linear1.bias
        w[p + ".ffn.fc2.weight"], w[p + ".ffn.fc2.bias"] = layer.linear2.weight, layer.linear2.bias
        for i, n in enumerate((layer.norm1, layer.norm2, layer.norm3)):
            w[f"{p}.norm{i + 1}.weight"], w[f"{p}.norm{i + 1}.bias"] = n.weight, n.bias

    def forward(inp):
        src, tgt, lens = inp["src_tokens"], inp["tgt_tokens"], inp["src_lengths"]
        xs = emb[src] + sinusoids(src.shape[1], D)
        xt = emb[tgt] + sinusoids(tgt.shape[1], D)
        pad = torch.arange(src.shape[1])[None, :] >= lens[:, None]
        tmask = ~causal(tgt.shape[1], tgt.shape[1])
        # Grad mode stays on: it keeps nn.MultiheadAttention off its fast path,
        # which would zero padded rows instead of computing them.
        with torch.enable_grad():
            out = net(xs, xt, tgt_mask=tmask, src_key_padding_mask=pad, memory_key_padding_mask=pad)
        return out.detach() @ emb.t()

    src = torch.randint(0, V, (2, 9), generator=gen)
    tgt = torch.randint(0, V, (2, 6), generator=gen)
    lens = torch.tensor([9, 5], dtype=torch.int32)
    inputs = {"src_tokens": src, "tgt_tokens": tgt, "src_lengths": lens}
    return spec, w, inputs, forward, ("tgt_tokens", {"src_tokens": src[:1], "src_lengths": lens[:1]})


def t5(gen):
    V, D, H, FF, NL, NB, MD = 79, 48, 4, 96, 2, 32, 20
    spec = f"""model t5_tiny {{
  vocab = {V}
  d_model = {D}
  heads = {H}
  ffn = {FF}
  norm = rmsnorm
  norm_eps = 1e-6
  activation = relu
  bias = false
  positions = t5(num_buckets = {NB}, max_distance = {MD})
  head = untied
  encoder {{ layers = {NL}  mask = padding }}
  decoder {{ layers = {NL} }}
}}
"""
    w = {"tok_emb.weight": rand(gen, V, D), "lm_head.weight": rand(gen, V, D),
         "encoder.rel_bias.weight": rand(gen, NB, H, std=0.5),
         "decoder.rel_bias.weight": rand(gen, NB, H, std=0.5)}
    for stack, subs in (("encoder", ("self_attn",)), ("decoder", ("self_attn", "cross_attn"))):
        for l in range(NL):
            p = f"{stack}.layers.{l}."
            for i in range(len(subs) + 1):
                w[p + f"norm{i + 1}.weight"] = gain(gen, D)
            for s in subs:
                for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
                    w[p + f"{s}.{n}.weight"] = rand(gen, D, D)
            w[p + "ffn.fc1.weight"], w[p + "ffn.fc2.weight"] = rand(gen, FF, D), rand(gen, D, FF)
        w[stack + ".norm.weight"] = gain(gen, D)

    def rel_bias(name, lq, lk, bidirectional):
        rel = torch.arange(lk)[None, :] - torch.arange(lq)[:, None]
        b = t5_bucket(rel, NB, MD, bidirectional)
        return w[name][b].permute(2, 0, 1)[None]  # [1, H, Lq, Lk]

    def mha(x, kv, p, mask, bias=None):
        q, k, v = (split(linear(src, w[p + f".{n}.weight"]), H)
                   for n, src in (("q_proj", x), ("k_proj", kv), ("v_proj", kv)))
        return linear(merge(attention(q, k, v, mask, bias)), w[p + ".o_proj.weight"])

    def forward(inp):
        src, tgt, lens = inp["src_tokens"], inp["tgt_tokens"], inp["src_lengths"]
        Ls, Lt = src.shape[1], tgt.shape[1]
        keymask = (torch.arange(Ls)[None, :] < lens[:, None])[:, None, None, :]
        x = w["tok_emb.weight"][src]
        eb = rel_bias("encoder.rel_bias.weight", Ls, Ls, True)
        for l in range(NL):
            p = f"encoder.layers.{l}"
            x = x + mha(rms(x, w[p + ".norm1.weight"], 1e-6), rms(x, w[p + ".norm1.weight"], 1e-6),
                        p + ".self_attn", keymask, eb)
            h = rms(x, w[p + ".norm2.weight"], 1e-6)
            x = x + linear(F.relu(linear(h, w[p + ".ffn.fc1.weight"])), w[p + ".ffn.fc2.weight"])
        enc = rms(x, w["encoder.norm.weight"], 1e-6)
        y = w["tok_emb.weight"][tgt]
        db = rel_bias("decoder.rel_bias.weight", Lt, Lt, False)
        for l in range(NL):
            p = f"decoder.layers.{l}"
            h = rms(y, w[p + ".norm1.weight"], 1e-6)
            y = y + mha(h, h, p + ".self_attn", causal(Lt, Lt), db)
            y = y + mha(rms(y, w[p + ".norm2.weight"], 1e-6), enc, p + ".cross_attn", keymask)
            h = rms(y, w[p + ".norm3.weight"], 1e-6)
            y = y + linear(F.relu(linear(h, w[p + ".ffn.fc1.weight"])), w[p + ".ffn.fc2.weight"])
        return rms(y, w["decoder.norm.weight"], 1e-6) @ w["lm_head.weight"].t()

    src = torch.randint(0, V, (2, 10), generator=gen)
    tgt = torch.randint(0, V, (2, 5), generator=gen)
    lens = torch.tensor([10, 6], dtype=torch.int32)
    inputs = {"src_tokens": src, "tgt_tokens": tgt, "src_lengths": lens}
    return spec, w, inputs, forward, ("tgt_tokens", {"src_tokens": src[:1], "src_lengths": lens[:1]})


MODELS = {"gpt2": gpt2, "llama": llama, "bert": bert, "transformer": transformer, "t5": t5}


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), p.stdout))
    return p.stdout


def check(name, attnc, work, seed):
    gen = torch.Generator().manual_seed(seed)
    spec, w, inputs, forward, generation = MODELS[name](gen)
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    spec_path, weights = os.path.join(d, "model.attn"), os.path.join(d, "w.safetensors")
    open(spec_path, "w").write(spec)
    write_safetensors(weights, w)

    def input_args(ins):
        args = []
        for k, v in ins.items():
            f = os.path.join(d, k + ".npy")
            np.save(f, v.numpy().astype(np.int32))
            args.append("--input=%s=%s" % (k, f))
        return args

    with torch.no_grad():
        want = forward(inputs).numpy()
    out = os.path.join(d, "logits.npy")
    run([attnc, "run", spec_path, "--weights", weights, "--output", "logits=" + out, "--quiet"]
        + input_args(inputs))
    got = np.load(out)
    if got.shape != want.shape:
        return False, "logits shape %s, torch %s" % (got.shape, want.shape)
    scale = max(1.0, float(np.abs(want).max()))
    err = float(np.abs(got - want).max()) / scale
    msg = "logits %s max rel err %.2e" % (list(got.shape), err)
    if not err <= TOL:
        return False, msg + " > %g" % TOL
    if generation:
        stream, rest = generation
        prompt = inputs[stream][:1]
        toks = prompt.clone()
        with torch.no_grad():
            for _ in range(GEN):
                logits = forward(dict(rest, **{stream: toks}))[0, -1]
                toks = torch.cat([toks, logits.argmax().view(1, 1)], dim=1)
        want_gen = toks[0, prompt.shape[1]:].tolist()
        args = input_args(dict(rest, **{stream: prompt}))
        got_gen = [int(t) for t in run([attnc, "run", spec_path, "--weights", weights, "--generate",
                                        str(GEN), "--quiet"] + args).split()]
        msg += ", greedy %d tokens %s" % (GEN, "identical" if got_gen == want_gen else "DIFFER")
        if got_gen != want_gen:
            return False, msg + ": attnc %s, torch %s" % (got_gen, want_gen)
    return True, msg


def main():
    attnc, work = sys.argv[1], sys.argv[2]
    names = sys.argv[3:] or list(MODELS)
    seed = int(os.environ.get("ATTNC_TEST_SEED", time.time_ns() % (2 ** 31)))
    print("seed %d (set ATTNC_TEST_SEED to reproduce)" % seed)
    torch.set_num_threads(1)
    failed = 0
    for name in names:
        try:
            ok, msg = check(name, attnc, work, seed)
        except Exception as e:  # a crash of attnc is a failure, with its output
            ok, msg = False, str(e)
        print("%s %s: %s" % ("PASS" if ok else "FAIL", name, msg))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
