// RUN: attnc cuda %s --split-input-file --verify-diagnostics --arch=sm_90a --kernel=wgmma --emit=cuda

// --kernel=wgmma on variants the Hopper kernel does not take is an error
// that names the reason (the automatic choice falls back instead).

func.func @d80(%q: tensor<2x4x?x80xbf16>, %k: tensor<2x4x?x80xbf16>, %v: tensor<2x4x?x80xbf16>) -> tensor<2x4x?x80xbf16> {
  // expected-error@+1 {{--kernel=wgmma: head dims 80/80 are not 64 or 128}}
  %o = attn.flash_attention %q, %k, %v {scale = 0.111803399 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x80xbf16>, tensor<2x4x?x80xbf16>, tensor<2x4x?x80xbf16> -> tensor<2x4x?x80xbf16>
  return %o : tensor<2x4x?x80xbf16>
}

// -----

func.func @ktile32(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  // expected-error@+1 {{--kernel=wgmma: tile 64x32 is not made of 64 or 128}}
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 32, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @f32(%q: tensor<2x4x?x64xf32>, %k: tensor<2x4x?x64xf32>, %v: tensor<2x4x?x64xf32>) -> tensor<2x4x?x64xf32> {
  // expected-error@+1 {{--kernel=wgmma: f32 has no tensor-core path}}
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x64xf32>
  return %o : tensor<2x4x?x64xf32>
}
