// RUN: attn-opt %s --attn-cpu-pipeline | FileCheck %s
// RUN: attn-opt %s --attn-fusion-pipeline --attn-lower-flash-cpu=erase-host=true --attn-cpu-kernel-to-llvm | FileCheck %s --check-prefix=KERNEL

// The whole CPU pipeline on decomposed attention: fused, tiled, lowered to
// one LLVM-dialect kernel plus its C interface wrapper; the host function is
// gone and no libm call remains.

// CHECK-NOT: func.func @attn
// CHECK: llvm.func @attn_flash_cpu(
// CHECK: llvm.intr.fma({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK-NOT: llvm.call @expf
// CHECK: llvm.func @_mlir_ciface_attn_flash_cpu(
func.func @attn(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>, %v: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %s = attn.qk %q, %k : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32> -> tensor<1x4x?x?xf32>
  %t = attn.scale %s {scale = 0.125 : f32} : tensor<1x4x?x?xf32>
  %m = attn.mask %t {mask = #attn.causal<>} : tensor<1x4x?x?xf32>
  %p = attn.softmax %m : tensor<1x4x?x?xf32>
  %o = attn.pv %p, %v : tensor<1x4x?x?xf32>, tensor<1x4x?x64xf32> -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

// KERNEL: llvm.func @_mlir_ciface_attn_flash_cpu(
