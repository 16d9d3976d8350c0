#!/usr/bin/env python3
"""attnc import-hf end to end against PyTorch.

For GPT-2, Llama and T5, take the small random models of compare_models.py,
write their weights under Hugging Face's names and layouts (GPT-2's Conv1D
[in, out] with a fused c_attn, T5's unscaled q and tied output scaling) and
a config.json shaped like the real ones; then
  * `attnc import-hf config.json` must produce a spec that runs,
  * `attnc run --hf-names ARCH` on the HF file, and
  * `attnc import-hf --weights` followed by a plain `attnc run`
must both give PyTorch's logits (1e-4 of the logit scale).

usage: hf_import.py ATTNC WORK_DIR
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_models as cm  # noqa: E402


def gpt2_hf(w, NL):
    hf = {"transformer.wte.weight": w["tok_emb.weight"], "transformer.wpe.weight": w["pos_emb.weight"],
          "transformer.ln_f.weight": w["decoder.norm.weight"], "transformer.ln_f.bias": w["decoder.norm.bias"]}
    for l in range(NL):
        o, h = f"decoder.layers.{l}.", f"transformer.h.{l}."
        for ours, theirs in (("norm1", "ln_1"), ("norm2", "ln_2")):
            hf[h + theirs + ".weight"], hf[h + theirs + ".bias"] = w[o + ours + ".weight"], w[o + ours + ".bias"]
        qkv = [o + f"self_attn.{n}_proj" for n in "qkv"]
        hf[h + "attn.c_attn.weight"] = torch.cat([w[n + ".weight"] for n in qkv], 0).t().contiguous()
        hf[h + "attn.c_attn.bias"] = torch.cat([w[n + ".bias"] for n in qkv], 0)
        for ours, theirs in (("self_attn.o_proj", "attn.c_proj"), ("ffn.fc1", "mlp.c_fc"), ("ffn.fc2", "mlp.c_proj")):
            hf[h + theirs + ".weight"] = w[o + ours + ".weight"].t().contiguous()
            hf[h + theirs + ".bias"] = w[o + ours + ".bias"]
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 97, "n_positions": 64,
              "n_embd": 48, "n_head": 4, "n_layer": NL, "n_inner": 96, "activation_function": "gelu_new",
              "layer_norm_epsilon": 1e-5, "resid_pdrop": 0.1, "tie_word_embeddings": True}
    return hf, config


def llama_hf(w, NL):
    hf = {"model.embed_tokens.weight": w["tok_emb.weight"], "lm_head.weight": w["lm_head.weight"],
          "model.norm.weight": w["decoder.norm.weight"]}
    for l in range(NL):
        o, h = f"decoder.layers.{l}.", f"model.layers.{l}."
        hf[h + "input_layernorm.weight"] = w[o + "norm1.weight"]
        hf[h + "post_attention_layernorm.weight"] = w[o + "norm2.weight"]
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            hf[h + "self_attn." + n + ".weight"] = w[o + "self_attn." + n + ".weight"]
        for n in ("gate_proj", "up_proj", "down_proj"):
            hf[h + "mlp." + n + ".weight"] = w[o + "ffn." + n + ".weight"]
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": 89, "hidden_size": 64,
              "intermediate_size": 80, "num_hidden_layers": NL, "num_attention_heads": 8,
              "num_key_value_heads": 2, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
              "max_position_embeddings": 2048, "tie_word_embeddings": False, "torch_dtype": "float32"}
    return hf, config


def t5_hf(w, NL):
    dkv = 48 // 4
    hf = {"shared.weight": w["tok_emb.weight"], "lm_head.weight": w["lm_head.weight"],
          "encoder.final_layer_norm.weight": w["encoder.norm.weight"],
          "decoder.final_layer_norm.weight": w["decoder.norm.weight"],
          "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": w["encoder.rel_bias.weight"],
          "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": w["decoder.rel_bias.weight"]}

    def attn(o, h):
        for ours, theirs in (("q_proj", "q"), ("k_proj", "k"), ("v_proj", "v"), ("o_proj", "o")):
            t = w[f"{o}.{ours}.weight"]
            # HF T5 does not scale scores; attnc does, so HF's q is ours / sqrt(d_kv).
            hf[f"{h}.{theirs}.weight"] = t / math.sqrt(dkv) if ours == "q_proj" else t

    for l in range(NL):
        o, h = f"encoder.layers.{l}", f"encoder.block.{l}.layer"
        attn(o + ".self_attn", h + ".0.SelfAttention")
        hf[h + ".0.layer_norm.weight"] = w[o + ".norm1.weight"]
        hf[h + ".1.DenseReluDense.wi.weight"] = w[o + ".ffn.fc1.weight"]
        hf[h + ".1.DenseReluDense.wo.weight"] = w[o + ".ffn.fc2.weight"]
        hf[h + ".1.layer_norm.weight"] = w[o + ".norm2.weight"]
        o, h = f"decoder.layers.{l}", f"decoder.block.{l}.layer"
        attn(o + ".self_attn", h + ".0.SelfAttention")
        hf[h + ".0.layer_norm.weight"] = w[o + ".norm1.weight"]
        attn(o + ".cross_attn", h + ".1.EncDecAttention")
        hf[h + ".1.layer_norm.weight"] = w[o + ".norm2.weight"]
        hf[h + ".2.DenseReluDense.wi.weight"] = w[o + ".ffn.fc1.weight"]
        hf[h + ".2.DenseReluDense.wo.weight"] = w[o + ".ffn.fc2.weight"]
        hf[h + ".2.layer_norm.weight"] = w[o + ".norm3.weight"]
    config = {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"], "vocab_size": 79,
              "d_model": 48, "d_kv": dkv, "d_ff": 96, "num_layers": NL, "num_decoder_layers": NL,
              "num_heads": 4, "relative_attention_num_buckets": 32, "relative_attention_max_distance": 20,
              "layer_norm_epsilon": 1e-6, "feed_forward_proj": "relu", "tie_word_embeddings": False}
    return hf, config


CASES = {"gpt2": (cm.gpt2, gpt2_hf), "llama": (cm.llama, llama_hf), "t5": (cm.t5, t5_hf)}


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), p.stdout))
    return p.stdout


def main():
    attnc, work = sys.argv[1], sys.argv[2]
    seed = int(os.environ.get("ATTNC_TEST_SEED", np.random.SeedSequence().entropy % (2 ** 31)))
    print("seed %d" % seed)
    failed = 0
    for name, (make, to_hf) in CASES.items():
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        gen = torch.Generator().manual_seed(seed)
        _, w, inputs, forward, _ = make(gen)
        hf, config = to_hf(w, 2)
        cm.write_safetensors(os.path.join(d, "model.safetensors"), hf)
        json.dump(config, open(os.path.join(d, "config.json"), "w"), indent=2)
        with torch.no_grad():
            want = forward(inputs).numpy()
        args = []
        for k, v in inputs.items():
            np.save(os.path.join(d, k + ".npy"), v.numpy().astype(np.int32))
            args.append("--input=%s=%s" % (k, os.path.join(d, k + ".npy")))
        try:
            spec = os.path.join(d, "model.attn")
            run([attnc, "import-hf", os.path.join(d, "config.json"), "-o", spec])
            errs = []
            run([attnc, "run", spec, "--weights", os.path.join(d, "model.safetensors"), "--hf-names", name,
                 "--output", "logits=" + os.path.join(d, "a.npy"), "--quiet"] + args)
            run([attnc, "import-hf", os.path.join(d, "config.json"), "--weights",
                 os.path.join(d, "model.safetensors"), "--weights-out", os.path.join(d, "ours.safetensors")])
            run([attnc, "run", spec, "--weights", os.path.join(d, "ours.safetensors"),
                 "--output", "logits=" + os.path.join(d, "b.npy"), "--quiet"] + args)
            for f in ("a.npy", "b.npy"):
                got = np.load(os.path.join(d, f))
                err = float(np.abs(got - want).max()) / max(1.0, float(np.abs(want).max()))
                errs.append(err)
            ok = max(errs) <= cm.TOL
            msg = "--hf-names err %.2e, converted weights err %.2e" % tuple(errs)
        except Exception as e:
            ok, msg = False, str(e)
        print("%s %s: %s" % ("PASS" if ok else "FAIL", name, msg))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
