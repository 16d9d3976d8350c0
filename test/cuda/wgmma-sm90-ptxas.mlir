// REQUIRES: nvrtc, ptxas
// The Hopper kernel (--kernel=wgmma) over its variant matrix: masks (none,
// causal, window, document with and without kv_segments), modifiers (ALiBi,
// softcap), head dims 64 and 128 (and 64/128 mixed), bf16 and f16, one and
// two consumer warpgroups (q_tile 64 / 128), key tiles 64 and 128, the
// dense, band and run-time schedules, GQA, lse. NVRTC compiles each for
// sm_90a and the external ptxas assembles its PTX; the PTX uses wgmma
// (shared-memory and register A operands, N-major V), TMA bulk tensor copies
// completing on mbarriers, and setmaxnreg; ptxas reports no stack frame, no
// spills and no warnings (e.g. a setmaxnreg it ignores, C7508, or wgmma
// serialisation), and the register count at entry that the setmaxnreg
// budget of Kernels/WgmmaSm90.cuh assumes (168 for 384 threads).
// RUN: rm -rf %t && mkdir -p %t
// RUN: attnc cuda %s --split-input-file --arch=sm_90a --kernel=wgmma --emit=ptx --no-cache -o %t/all.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t/all.ptx
// RUN: %python %S/Inputs/ptxas-each.py --ptxas %ptxas --arch sm_90a %t/all.ptx | FileCheck %s --check-prefix=PTXAS

// Two consumer warpgroups (384 threads): 168 registers at entry.
// PTXAS: attnc_fa_{{[0-9a-f]+}}: wgmma=12 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
// S = Q K^T: both operands in shared memory (imm-trans-b 0); O += P V: P in
// registers, V N-major (imm-trans-b 1).
// PTX-LABEL: .visible .entry {{attnc_fa_[0-9a-f]+}}(
// PTX-NEXT: .param .align 8 .b8 {{.*}}_param_0[232],
// PTX-NEXT: .param .align 128 .b8 {{.*}}_param_1[384]
// PTX-DAG: setmaxnreg.dec.sync.aligned.u32 24;
// PTX-DAG: setmaxnreg.inc.sync.aligned.u32 240;
// PTX-DAG: mbarrier.init.shared::cta.b64
// PTX-DAG: fence.mbarrier_init.release.cluster;
// PTX-DAG: prefetch.tensormap
// PTX-DAG: mbarrier.arrive.expect_tx.shared::cta.b64
// PTX-DAG: cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX-DAG: mbarrier.try_wait.parity.shared::cta.b64
// PTX-DAG: wgmma.fence.sync.aligned;
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PTX-DAG: {{%rd[0-9]+}}, {{%rd[0-9]+}}, p, 1, 1, 0, 0;
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX-DAG: {{%r[0-9]+}}, {{%r[0-9]+}}, {{%r[0-9]+}}, {{%r[0-9]+}}}, {{%rd[0-9]+}}, p, 1, 1, 1;
// PTX-DAG: wgmma.commit_group.sync.aligned;
// PTX-DAG: wgmma.wait_group.sync.aligned 0;
// PTX-DAG: mbarrier.arrive.shared::cta.b64
func.func @dense_bf16_d64(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=12 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
// PTX-LABEL: .visible .entry
// PTX: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// PTX: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
func.func @dense_f16_d128_lse(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> (tensor<2x4x?x128xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xf16>, tensor<2x4x?xf32>
}

// -----

// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=16 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
func.func @causal_bf16_d128(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>) -> (tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.causal<>, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
}

// -----

// One consumer warpgroup (256 threads).
// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=8 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=[[REGS256:[0-9]+]] stack=0 spill_stores=0 spill_loads=0 warnings=0
// PTX-LABEL: .visible .entry
// PTX-DAG: setmaxnreg.dec.sync.aligned.u32 56;
// PTX-DAG: setmaxnreg.inc.sync.aligned.u32 256;
func.func @causal_bottom_right_f16_d64(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
}

// -----

// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=8 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
func.func @window_bf16_d64(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.window<left = 48, right = 16>, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_lo = -48, diag_hi = 16>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=16 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=[[REGS256]] stack=0 spill_stores=0 spill_loads=0 warnings=0
func.func @window_f16_d128(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> tensor<2x4x?x128xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.and<[#attn.causal<>, #attn.window<left = 100>]>, tiling = #attn.tiling<q_tile = 64, k_tile = 128, schedule = band, diag_lo = -100, diag_hi = 0>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>
  return %o : tensor<2x4x?x128xf16>
}

// -----

// A run-time schedule: the tile classifier sits beside the attention kernel.
// PTXAS-NEXT: attnc_fa_[[DOC:[0-9a-f]+]]: wgmma=16 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
// PTXAS-NEXT: attnc_fa_[[DOC]]_classify: regs={{[0-9]+}} stack=0 spill_stores=0 spill_loads=0
func.func @document_bf16_d128(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>, %q_segments: tensor<2x?xi32>) -> tensor<2x4x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<2x?xi32>) {scale = 0.0883883476 : f32, mask = #attn.document, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = runtime>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>
  return %o : tensor<2x4x?x128xbf16>
}

// -----

// PTXAS-NEXT: attnc_fa_[[DOCKV:[0-9a-f]+]]: wgmma=8 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=[[REGS256]] stack=0 spill_stores=0 spill_loads=0 warnings=0
// PTXAS-NEXT: attnc_fa_[[DOCKV]]_classify:
func.func @document_causal_kv_segments_f16_d64(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %q_segments: tensor<2x?xi32>, %kv_segments: tensor<2x?xi32>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<2x?xi32>) kv_segments(%kv_segments : tensor<2x?xi32>) {scale = 0.125 : f32, mask = #attn.and<[#attn.document, #attn.causal<>]>, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
}

// -----

// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=12 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
func.func @alibi_causal_bf16_d128(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>, %slopes: tensor<4xf32>) -> tensor<2x4x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v alibi_slopes(%slopes : tensor<4xf32>) {scale = 0.0883883476 : f32, mask = #attn.causal<>, modifiers = [#attn.alibi], tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>
  return %o : tensor<2x4x?x128xbf16>
}

// -----

// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=12 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
func.func @alibi_f16_d64(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>) -> tensor<2x4x?x64xf16> {
  %slopes = arith.constant dense<[0.25, 0.0625, 0.015625, 0.00390625]> : tensor<4xf32>
  %o = attn.flash_attention %q, %k, %v alibi_slopes(%slopes : tensor<4xf32>) {scale = 0.125 : f32, modifiers = [#attn.alibi], tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=8 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
func.func @softcap_causal_bf16_d64(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, modifiers = [#attn.softcap<cap = 30.0>], return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=16 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
func.func @softcap_f16_d128(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> tensor<2x4x?x128xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, modifiers = [#attn.softcap<cap = 50.0>], tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>
  return %o : tensor<2x4x?x128xf16>
}

// -----

// D = 64 for q/k, 128 for v; GQA 8/2.
// PTXAS-NEXT: attnc_fa_{{[0-9a-f]+}}: wgmma=12 tma={{[1-9][0-9]*}} setmaxnreg=2 regs=168 stack=0 spill_stores=0 spill_loads=0 warnings=0
func.func @gqa_bf16_d64_dv128(%q: tensor<2x8x?x64xbf16>, %k: tensor<2x2x?x64xbf16>, %v: tensor<2x2x?x128xbf16>) -> (tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_hi = 0>}
       : tensor<2x8x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x128xbf16> -> tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>
  return %o, %lse : tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>
}
