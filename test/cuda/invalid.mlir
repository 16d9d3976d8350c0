// RUN: attnc cuda %s --split-input-file --verify-diagnostics --emit=cuda

func.func @untiled(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
  // expected-error@+1 {{the CUDA backend needs a tiled op (#attn.tiling, added by attn-tile-attention)}}
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32}
       : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
  return %o : tensor<1x1x64x64xbf16>
}

// -----

func.func @dynamic_head_dim(%q: tensor<1x1x64x?xbf16>, %k: tensor<1x1x64x?xbf16>, %v: tensor<1x1x64x?xbf16>) -> tensor<1x1x64x?xbf16> {
  // expected-error@+1 {{the CUDA backend needs static head dims, got 'tensor<1x1x64x?xbf16>' and 'tensor<1x1x64x?xbf16>'}}
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<1x1x64x?xbf16>, tensor<1x1x64x?xbf16>, tensor<1x1x64x?xbf16> -> tensor<1x1x64x?xbf16>
  return %o : tensor<1x1x64x?xbf16>
}

// -----

func.func @odd_tile(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xbf16> {
  // expected-error@+1 {{tile 48x64 is not supported by the CUDA backend (each side one of 16, 32, 64, 128)}}
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 48, k_tile = 64, schedule = dense>}
       : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xbf16>
  return %o : tensor<1x1x64x64xbf16>
}

// -----

// A band schedule never visits tiles outside the band: a tiling tighter
// than the mask would silently drop visible keys.
func.func @band_tighter_than_mask(%q: tensor<1x1x256x64xbf16>, %k: tensor<1x1x256x64xbf16>, %v: tensor<1x1x256x64xbf16>) -> tensor<1x1x256x64xbf16> {
  // expected-error@+1 {{tiling band [-16, 0] excludes pairs the mask window(64,0) keeps}}
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.window<left = 64>,
         tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -16, diag_hi = 0>}
       : tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16> -> tensor<1x1x256x64xbf16>
  return %o : tensor<1x1x256x64xbf16>
}

// -----

// expected-error@+1 {{no attn.flash_attention op to compile for CUDA}}
module {
}
