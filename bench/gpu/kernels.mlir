// bench/gpu/kernels.mlir - the attention variants bench/gpu/bench.py times.
// bf16, batch and sequence length dynamic, 16 heads of 128 or 32 heads of
// 64 (2048 model width), tiled for the tensor-core kernel. Compiled to
// artifacts by bench/gpu/make_artifacts.sh (one per function; the function
// name is the configuration name bench.py reads back).

func.func @dense_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}

// -----

func.func @causal_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_hi = 0>}
       : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}

// -----

func.func @window1024_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.and<[#attn.causal<>, #attn.window<left = 1024>]>, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_lo = -1024, diag_hi = 0>}
       : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}

// -----

func.func @document4_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>, %q_segments: tensor<?x?xi32>) -> tensor<?x32x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<?x?xi32>) {scale = 0.125 : f32, mask = #attn.document, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = runtime>}
       : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}

// -----

func.func @alibi_causal_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %slopes = arith.constant dense<[0.8408964152537145, 0.7071067811865476, 0.5946035575013605, 0.5, 0.42044820762685725, 0.3535533905932738, 0.29730177875068026, 0.25, 0.21022410381342863, 0.1767766952966369, 0.14865088937534013, 0.125, 0.10511205190671431, 0.08838834764831845, 0.07432544468767006, 0.0625, 0.052556025953357156, 0.04419417382415922, 0.03716272234383503, 0.03125, 0.026278012976678578, 0.02209708691207961, 0.018581361171917516, 0.015625, 0.013139006488339289, 0.011048543456039806, 0.009290680585958758, 0.0078125, 0.0065695032441696445, 0.005524271728019903, 0.004645340292979379, 0.00390625]> : tensor<32xf32>
  %o = attn.flash_attention %q, %k, %v alibi_slopes(%slopes : tensor<32xf32>) {scale = 0.125 : f32, mask = #attn.causal<>, modifiers = [#attn.alibi], tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_hi = 0>}
       : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}

// -----

func.func @softcap_causal_d64(%q: tensor<?x32x?x64xbf16>, %k: tensor<?x32x?x64xbf16>, %v: tensor<?x32x?x64xbf16>) -> tensor<?x32x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, modifiers = [#attn.softcap<cap = 50.0>], tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_hi = 0>}
       : tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16>, tensor<?x32x?x64xbf16> -> tensor<?x32x?x64xbf16>
  return %o : tensor<?x32x?x64xbf16>
}

// -----

func.func @dense_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = dense>}
       : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// -----

func.func @causal_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.causal<>, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// -----

func.func @window1024_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.and<[#attn.causal<>, #attn.window<left = 1024>]>, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_lo = -1024, diag_hi = 0>}
       : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// -----

func.func @document4_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>, %q_segments: tensor<?x?xi32>) -> tensor<?x16x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<?x?xi32>) {scale = 0.0883883476 : f32, mask = #attn.document, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = runtime>}
       : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// -----

func.func @alibi_causal_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %slopes = arith.constant dense<[0.7071067811865476, 0.5, 0.3535533905932738, 0.25, 0.1767766952966369, 0.125, 0.08838834764831845, 0.0625, 0.04419417382415922, 0.03125, 0.02209708691207961, 0.015625, 0.011048543456039806, 0.0078125, 0.005524271728019903, 0.00390625]> : tensor<16xf32>
  %o = attn.flash_attention %q, %k, %v alibi_slopes(%slopes : tensor<16xf32>) {scale = 0.0883883476 : f32, mask = #attn.causal<>, modifiers = [#attn.alibi], tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}

// -----

func.func @softcap_causal_d128(%q: tensor<?x16x?x128xbf16>, %k: tensor<?x16x?x128xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.causal<>, modifiers = [#attn.softcap<cap = 50.0>], tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16>, tensor<?x16x?x128xbf16> -> tensor<?x16x?x128xbf16>
  return %o : tensor<?x16x?x128xbf16>
}
