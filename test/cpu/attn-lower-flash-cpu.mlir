// RUN: attn-opt %s --split-input-file --attn-lower-flash-cpu --verify-diagnostics | FileCheck %s

// A causal op becomes a kernel with the C ABI of runtime/cpu/KernelABI.h;
// the op records the kernel's name. The band schedule gives a full-tile
// branch without mask work and a partial-tile branch with it. The softmax's
// exp is inlined (2^n built in the exponent bits), not a math.exp.

// CHECK-LABEL: func.func @causal(
// CHECK: attn.flash_attention {{.*}}kernel = @causal_flash_cpu
func.func @causal(%q: tensor<1x2x?x64xf32>, %k: tensor<1x2x?x64xf32>, %v: tensor<1x2x?x64xf32>) -> tensor<1x2x?x64xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>,
         tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0>}
     : tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32> -> tensor<1x2x?x64xf32>
  return %o : tensor<1x2x?x64xf32>
}
// CHECK-LABEL: func.func @causal_flash_cpu(
// CHECK-SAME: memref<?xf32, strided<[1], offset: ?>>
// CHECK-SAME: memref<?xi64, strided<[1], offset: ?>>, %{{.*}}: memref<?xi32, strided<[1], offset: ?>>, %{{.*}}: i64, %{{.*}}: i64)
// CHECK-SAME: attn.cpu_kernel = {{{.*}}head_dim = 64{{.*}}mask = #attn.causal<>{{.*}}q_tile = 64{{.*}}schedule = "band"{{.*}}vector_width = 16
// CHECK-SAME: llvm.emit_c_interface
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<4096xf32>
// CHECK: scf.for
// CHECK: %[[FULL:.*]] = arith.andi
// CHECK: scf.if %[[FULL]]
// CHECK: vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT: math.exp
// CHECK: arith.shli {{.*}} : vector<16xi32>
// CHECK: } else {
// CHECK: arith.cmpi sle, {{.*}} : vector<16xi32>
// CHECK: arith.select {{.*}} vector<16xi1>, vector<16xf32>

// -----

// A data-dependent mask reads the run-time live-tile list and gathers the
// mask data per row vector.

// CHECK-LABEL: func.func @graph_flash_cpu(
// CHECK-SAME: schedule = "runtime"
// CHECK: vector.gather {{.*}} : memref<?xi8, strided<[1], offset: ?>>, vector<16xi32>, vector<16xi1>, vector<16xi8> into vector<16xi8>
func.func @graph(%q: tensor<2x1x?x32xf32>, %k: tensor<2x1x?x32xf32>, %v: tensor<2x1x?x32xf32>, %adj: tensor<2x?x?xi8>) -> tensor<2x1x?x32xf32> {
  %o = attn.flash_attention %q, %k, %v adjacency(%adj : tensor<2x?x?xi8>) {scale = 0.17 : f32, mask = #attn.graph,
         tiling = #attn.tiling<q_tile = 32, k_tile = 32, schedule = runtime>}
     : tensor<2x1x?x32xf32>, tensor<2x1x?x32xf32>, tensor<2x1x?x32xf32> -> tensor<2x1x?x32xf32>
  return %o : tensor<2x1x?x32xf32>
}

// -----

// With erase-host handled elsewhere, a non-tiled op is an error.
func.func @untiled(%q: tensor<1x1x8x32xf32>) -> tensor<1x1x8x32xf32> {
  // expected-error@+1 {{has no #attn.tiling: run attn-tile-attention first}}
  %o = attn.flash_attention %q, %q, %q {scale = 0.17 : f32}
     : tensor<1x1x8x32xf32>, tensor<1x1x8x32xf32>, tensor<1x1x8x32xf32> -> tensor<1x1x8x32xf32>
  return %o : tensor<1x1x8x32xf32>
}

// -----

func.func @half(%q: tensor<1x1x8x32xf16>) -> tensor<1x1x8x32xf16> {
  // expected-error@+1 {{the CPU backend supports f32 attention only, got 'f16'}}
  %o = attn.flash_attention %q, %q, %q {scale = 0.17 : f32, tiling = #attn.tiling<q_tile = 16, k_tile = 16, schedule = dense>}
     : tensor<1x1x8x32xf16>, tensor<1x1x8x32xf16>, tensor<1x1x8x32xf16> -> tensor<1x1x8x32xf16>
  return %o : tensor<1x1x8x32xf16>
}
