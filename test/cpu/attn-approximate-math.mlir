// RUN: attn-opt %s --attn-approximate-math | FileCheck %s

// exp, log and tanh on vectors become polynomial arith code: no math ops
// (and so no libm calls) remain.

// CHECK-LABEL: func.func @softmax_bits(
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK-NOT: math.tanh
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: return
func.func @softmax_bits(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
  %e = math.exp %x : vector<16xf32>
  %l = math.log %x : vector<16xf32>
  %t = math.tanh %x : vector<16xf32>
  return %e, %l, %t : vector<16xf32>, vector<16xf32>, vector<16xf32>
}
