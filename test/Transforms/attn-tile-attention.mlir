// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-tile-attention="target=cpu-x86-avx512 q-tile=64 k-tile=64" | FileCheck %s

// Tile counts are per (batch, head) with 64x64 tiles. They are derived by
// hand in the comments, so that a wrong classification fails here.

// Causal, L = 256: 4x4 tiles; the 4 diagonal tiles are partial, the 6 below
// are full, the 6 above are never visited: 10 of 16 tiles live.
// CHECK-LABEL: func.func @causal
// CHECK: tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0, live_tiles = 10, full_tiles = 6>
func.func @causal(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x256x64xf32>, %v: tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>}
       : tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32> -> tensor<1x2x256x64xf32>
  return %o : tensor<1x2x256x64xf32>
}

// -----

// Window of 256 keys to the left, L = 1024: query tile t sees key tiles
// t-4 .. t (5 tiles, 1+2+3+4 for the first four): 70 of 256 live. Full ones
// lie wholly inside [i - 256, i] for all 64 rows: t-3 .. t-1, fewer at the
// start (0, 1, 2): 42. Doubling L would double both: O(L * w / tile^2).
// CHECK-LABEL: func.func @window
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -256, diag_hi = 0, live_tiles = 70, full_tiles = 42>
func.func @window(%q: tensor<1x1x1024x64xf32>, %k: tensor<1x1x1024x64xf32>, %v: tensor<1x1x1024x64xf32>) -> tensor<1x1x1024x64xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.window<left = 256>}
       : tensor<1x1x1024x64xf32>, tensor<1x1x1024x64xf32>, tensor<1x1x1024x64xf32> -> tensor<1x1x1024x64xf32>
  return %o : tensor<1x1x1024x64xf32>
}

// -----

// The same window at L = 2048: 10 + 28 * 5 = 150 live tiles (about twice
// the 70 at L = 1024, while the dense count grows 4x to 1024); full:
// 0 + 1 + 2 + 29 * 3 = 90.
// CHECK-LABEL: func.func @window_twice_as_long
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -256, diag_hi = 0, live_tiles = 150, full_tiles = 90>
func.func @window_twice_as_long(%q: tensor<1x1x2048x64xf32>, %k: tensor<1x1x2048x64xf32>, %v: tensor<1x1x2048x64xf32>) -> tensor<1x1x2048x64xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.window<left = 256>}
       : tensor<1x1x2048x64xf32>, tensor<1x1x2048x64xf32>, tensor<1x1x2048x64xf32> -> tensor<1x1x2048x64xf32>
  return %o : tensor<1x1x2048x64xf32>
}

// -----

// A window as wide as L is causal: 32*33/2 = 528 of 1024 tiles live, the
// 32*31/2 = 496 below the diagonal full.
// CHECK-LABEL: func.func @window_as_wide_as_l
// CHECK: live_tiles = 528, full_tiles = 496>
func.func @window_as_wide_as_l(%q: tensor<1x1x2048x64xf32>, %k: tensor<1x1x2048x64xf32>, %v: tensor<1x1x2048x64xf32>) -> tensor<1x1x2048x64xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.window<left = 2048>}
       : tensor<1x1x2048x64xf32>, tensor<1x1x2048x64xf32>, tensor<1x1x2048x64xf32> -> tensor<1x1x2048x64xf32>
  return %o : tensor<1x1x2048x64xf32>
}

// -----

// No mask: dense, every tile full. L = 100 gives 2x2 tiles (the last ones short).
// CHECK-LABEL: func.func @dense
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense, live_tiles = 4, full_tiles = 4>
func.func @dense(%q: tensor<1x1x100x64xf32>, %k: tensor<1x1x100x64xf32>, %v: tensor<1x1x100x64xf32>) -> tensor<1x1x100x64xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32}
       : tensor<1x1x100x64xf32>, tensor<1x1x100x64xf32>, tensor<1x1x100x64xf32> -> tensor<1x1x100x64xf32>
  return %o : tensor<1x1x100x64xf32>
}

// -----

// Decoding with a KV cache: 1 query at position 1023 sees all 1024 keys
// (16 full tiles); without bottom_right it would see key 0 only.
// CHECK-LABEL: func.func @decode
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0, live_tiles = 16, full_tiles = 16>
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0, live_tiles = 1, full_tiles = 0>
func.func @decode(%q: tensor<1x1x1x64xf32>, %k: tensor<1x1x1024x64xf32>, %v: tensor<1x1x1024x64xf32>) -> (tensor<1x1x1x64xf32>, tensor<1x1x1x64xf32>) {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right}
       : tensor<1x1x1x64xf32>, tensor<1x1x1024x64xf32>, tensor<1x1x1024x64xf32> -> tensor<1x1x1x64xf32>
  %p = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>}
       : tensor<1x1x1x64xf32>, tensor<1x1x1024x64xf32>, tensor<1x1x1024x64xf32> -> tensor<1x1x1x64xf32>
  return %o, %p : tensor<1x1x1x64xf32>, tensor<1x1x1x64xf32>
}

// -----

// Data-dependent masks: the runtime builds the tile lists; a positional
// member of an `and` still bounds them. No counts at compile time.
// CHECK-LABEL: func.func @runtime
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime, diag_hi = 0>
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>
func.func @runtime(%q: tensor<2x1x128x64xf32>, %len: tensor<2xi32>) -> (tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32>) {
  %a = attn.flash_attention %q, %q, %q kv_lengths(%len : tensor<2xi32>) {scale = 1.0 : f32, mask = #attn.padding}
       : tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32> -> tensor<2x1x128x64xf32>
  %b = attn.flash_attention %q, %q, %q kv_lengths(%len : tensor<2xi32>) {scale = 1.0 : f32, mask = #attn.and<[#attn.causal<>, #attn.padding]>}
       : tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32> -> tensor<2x1x128x64xf32>
  %c = attn.flash_attention %q, %q, %q kv_lengths(%len : tensor<2xi32>) {scale = 1.0 : f32, mask = #attn.or<[#attn.causal<>, #attn.padding]>}
       : tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32> -> tensor<2x1x128x64xf32>
  return %a, %b, %c : tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32>, tensor<2x1x128x64xf32>
}

// -----

// Positional masks that are not bands: the band only bounds them
// (partial = 1), every live tile evaluates the mask, none is full.
// local2d (width 32, 8x8 blocks, 8 rows of memory above, causal):
// d >= -(7 + 8) * 32 - 31 = -511.
// CHECK-LABEL: func.func @partial
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, live_tiles = 16, full_tiles = 0, partial = 1>
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0, live_tiles = 10, full_tiles = 0, partial = 1>
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -511, diag_hi = 0, live_tiles = 10, full_tiles = 0, partial = 1>
func.func @partial(%q: tensor<1x1x256x64xf32>) -> (tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>) {
  %a = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.strided<stride = 16>}
       : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32> -> tensor<1x1x256x64xf32>
  %b = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.and<[#attn.causal<>, #attn.strided<stride = 16>]>}
       : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32> -> tensor<1x1x256x64xf32>
  %c = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.local2d<width = 32, block_h = 8, block_w = 8, mem_top = 8, causal = 1>}
       : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32> -> tensor<1x1x256x64xf32>
  return %a, %b, %c : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>
}

// -----

// `and` intersects, `or` takes the hull: exact when the members overlap,
// partial when they leave a gap (diagonals -99 .. -3 here).
// [-64, 0]: tiles t-1 and t, none full. (-inf, 64]: tiles 0 .. t+1 live,
// 0 .. t full (query tile 3 reaches the last key). (-inf, 2]: as the second.
// CHECK-LABEL: func.func @and_or
// CHECK: schedule = band, diag_lo = -64, diag_hi = 0, live_tiles = 7, full_tiles = 0>
// CHECK: schedule = band, diag_hi = 64, live_tiles = 13, full_tiles = 10>
// CHECK: schedule = band, diag_hi = 2, live_tiles = 13, full_tiles = 0, partial = 1>
func.func @and_or(%q: tensor<1x1x256x64xf32>) -> (tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>) {
  %a = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.and<[#attn.causal<>, #attn.window<left = 64, right = 64>]>}
       : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32> -> tensor<1x1x256x64xf32>
  %b = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.or<[#attn.causal<>, #attn.window<left = 0, right = 64>]>}
       : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32> -> tensor<1x1x256x64xf32>
  %c = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.or<[#attn.causal<offset = -100>, #attn.window<left = 2, right = 2>]>}
       : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32> -> tensor<1x1x256x64xf32>
  return %a, %b, %c : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>
}

// -----

// Dynamic lengths: schedule and band, but no counts.
// CHECK-LABEL: func.func @dynamic
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0>
func.func @dynamic(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %o = attn.flash_attention %q, %k, %k {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right}
       : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32> -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// -----

// A mask that hides every pair is reported; the tiling stays valid.
// CHECK-LABEL: func.func @empty
// CHECK: #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -2, diag_hi = -2, live_tiles = 7, full_tiles = 0, partial = 1>
func.func @empty(%q: tensor<1x1x256x64xf32>) -> tensor<1x1x256x64xf32> {
  // expected-warning@+1 {{the mask hides every (query, key) pair; every output row will be 0}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.and<[#attn.causal<offset = -10>, #attn.window<left = 2, right = 2>]>}
       : tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32>, tensor<1x1x256x64xf32> -> tensor<1x1x256x64xf32>
  return %o : tensor<1x1x256x64xf32>
}
