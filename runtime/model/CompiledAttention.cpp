//===- CompiledAttention.cpp - An attention step on a compiled CPU kernel -===//
//
// See CompiledAttention.h.
//
//===----------------------------------------------------------------------===//
#include "runtime/model/CompiledAttention.h"

#include "runtime/cpu/Dispatch.h"

namespace attnc::rt::model {

AttentionKernel makeCpuAttentionKernel(std::shared_ptr<const void> keepAlive,
                                       const CpuKernelInfo *info, AttncCpuKernelFn fn) {
  return [keepAlive, info, fn](const Step &, const TensorView &q, const TensorView &k,
                               const TensorView &v, const AttentionAux &aux,
                               const TensorView &out, const TensorView *lse) -> Status {
    CpuAttentionArgs args;
    args.q = q;
    args.k = k;
    args.v = v;
    args.out = out;
    if (lse)
      args.lse = *lse;
    const TensorView *slots[ATTNC_NUM_AUX] = {
        &aux.kvLengths, &aux.prefixLengths, &aux.qSegments, &aux.kvSegments,
        &aux.adjacency, &aux.blockLayout,   &aux.maskTensor, &aux.bias,
        &aux.alibiSlopes, &aux.relEmb,      &aux.relBias};
    for (int i = 0; i < ATTNC_NUM_AUX; ++i)
      args.aux[i] = *slots[i];
    return runCpuAttention(*info, fn, args);
  };
}

} // namespace attnc::rt::model
