//===- KernelEmitter.cpp - CUDA C++ for one attention variant -------------===//
//
// The kernel bodies live in Kernels/*.cuh as ordinary CUDA (embedded at
// build time); this file writes what differs per variant in front of them:
// compile-time constants, and attnc_visible / attnc_modify, into which the
// mask tree and the modifier list are inlined as straight-line code. Every
// constant the bodies branch on is constexpr, so NVRTC removes the dead
// paths (no mask work for dense tiles, no tile-map reads for band schedules).
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CUDA/KernelEmitter.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <cstdio>

// kABISrc, kCommonSrc, kScheduleSrc, kMmaSm80Src, kSimtSrc, kWgmmaSm90Src.
#include "compiler/Codegen/CUDA/KernelSources.inc"

using namespace attnc;
using namespace attnc::cuda;
using rt::gpu::AttnVariant;
using rt::gpu::ElemType;
using rt::gpu::MaskKind;
using rt::gpu::MaskNode;
using rt::gpu::ModKind;

const char *attnc::cuda::kernelKindName(KernelKind k) {
  switch (k) {
  case KernelKind::Simt: return "simt";
  case KernelKind::MmaSm80: return "mma_sm80";
  case KernelKind::WgmmaSm90: return "wgmma_sm90";
  }
  return "?";
}

static bool isTileSize(int64_t t) { return t == 16 || t == 32 || t == 64 || t == 128; }

std::string attnc::cuda::mmaUnsupportedReason(const AttnVariant &v) {
  if (v.dtype == ElemType::F32)
    return "f32 has no tensor-core path";
  if (v.headDim % 16 || v.headDimV % 16 || v.headDim > 256 || v.headDimV > 256)
    return llvm::formatv("head dims {0}/{1} are not multiples of 16 up to 256", v.headDim, v.headDimV).str();
  if (!isTileSize(v.qTile) || !isTileSize(v.kTile))
    return llvm::formatv("tile {0}x{1} is not made of 16, 32, 64 or 128", v.qTile, v.kTile).str();
  return "";
}

std::string attnc::cuda::wgmmaUnsupportedReason(const AttnVariant &v) {
  if (v.dtype == ElemType::F32)
    return "f32 has no tensor-core path";
  if ((v.headDim != 64 && v.headDim != 128) || (v.headDimV != 64 && v.headDimV != 128))
    return llvm::formatv("head dims {0}/{1} are not 64 or 128", v.headDim, v.headDimV).str();
  if ((v.qTile != 64 && v.qTile != 128) || (v.kTile != 64 && v.kTile != 128))
    return llvm::formatv("tile {0}x{1} is not made of 64 or 128", v.qTile, v.kTile).str();
  return "";
}

int64_t attnc::cuda::maxDynamicSmem(int sm) {
  switch (sm) {
  case 80: case 87: return 163 * 1024;
  case 86: case 89: case 120: case 121: return 99 * 1024;
  case 90: case 100: case 103: return 227 * 1024;
  default: return sm >= 80 ? 99 * 1024 : 48 * 1024;
  }
}

int64_t attnc::cuda::mmaSmemBytes(const AttnVariant &v) {
  return (v.qTile * (v.headDim + 8) + 2 * v.kTile * ((v.headDim + 8) + (v.headDimV + 8))) * 2;
}

// Must match kSmemBytes in Kernels/WgmmaSm90.cuh.
int64_t attnc::cuda::wgmmaSmemBytes(const AttnVariant &v) {
  return 1024 + (v.qTile * v.headDim + 2 * v.kTile * (v.headDim + v.headDimV)) * 2 + 64;
}

int attnc::cuda::wgmmaThreads(const AttnVariant &v) { return int(128 * (v.qTile / 64 + 1)); }

KernelKind attnc::cuda::selectKernelKind(const AttnVariant &v, int sm, bool archSpecific) {
  // wgmma and setmaxnreg exist on sm_90a only (not on sm_90, nor on sm_100).
  if (sm == 90 && archSpecific && wgmmaUnsupportedReason(v).empty() && wgmmaSmemBytes(v) <= maxDynamicSmem(sm))
    return KernelKind::WgmmaSm90;
  if (sm >= 80 && mmaUnsupportedReason(v).empty() && mmaSmemBytes(v) <= maxDynamicSmem(sm))
    return KernelKind::MmaSm80;
  return KernelKind::Simt;
}

std::string attnc::cuda::kindUnsupportedReason(const AttnVariant &v, KernelKind kind, int sm, bool archSpecific) {
  switch (kind) {
  case KernelKind::Simt:
    return "";
  case KernelKind::MmaSm80:
    if (sm < 80)
      return llvm::formatv("the mma_sm80 kernel needs sm_80 or later, not sm_{0}", sm).str();
    return mmaUnsupportedReason(v);
  case KernelKind::WgmmaSm90:
    if (sm != 90 || !archSpecific)
      return llvm::formatv("the wgmma_sm90 kernel needs sm_90a (wgmma, setmaxnreg), not sm_{0}{1}", sm,
                           archSpecific ? "a" : "")
          .str();
    if (std::string why = wgmmaUnsupportedReason(v); !why.empty())
      return why;
    if (wgmmaSmemBytes(v) > maxDynamicSmem(sm))
      return llvm::formatv("the wgmma_sm90 kernel needs {0} bytes of shared memory, sm_90a allows {1}",
                           wgmmaSmemBytes(v), maxDynamicSmem(sm))
          .str();
    return "";
  }
  return "";
}

std::string attnc::cuda::kernelNameFor(const AttnVariant &v, KernelKind kind) {
  std::string key = rt::gpu::describe(v) + " kind=" + kernelKindName(kind);
  return "attnc_fa_" + llvm::utohexstr(llvm::xxh3_64bits(key), /*LowerCase=*/true, /*Width=*/16);
}

static const char *cudaType(ElemType t) {
  switch (t) {
  case ElemType::F32: return "float";
  case ElemType::F16: return "__half";
  case ElemType::BF16: return "__nv_bfloat16";
  }
  return "float";
}

static std::string floatLiteral(double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9ef", x);
  return buf;
}

std::string attnc::cuda::emitMaskExpr(const MaskNode &m, bool kvSegments) {
  auto arg = [&](size_t k) { return std::to_string(k < m.ints.size() ? m.ints[k] : 0) + "LL"; };
  switch (m.kind) {
  case MaskKind::Causal: return "attnc_mask_causal(ip, j, " + arg(0) + ")";
  case MaskKind::Window: return "attnc_mask_window(ip, j, " + arg(0) + ", " + arg(1) + ")";
  case MaskKind::Padding: return "attnc_mask_padding(p, b, j)";
  case MaskKind::Strided: return "attnc_mask_strided(ip, j, " + arg(0) + ")";
  case MaskKind::BlockSparse: return "attnc_mask_block_sparse(p, h, i, j, " + arg(0) + ")";
  case MaskKind::PrefixLM: return "attnc_mask_prefix_lm(p, b, ip, j)";
  case MaskKind::Document:
    return std::string("attnc_mask_document<") + (kvSegments ? "true" : "false") + ">(p, b, i, j)";
  case MaskKind::Graph: return "attnc_mask_graph(p, b, i, j)";
  case MaskKind::Local2D:
    return "attnc_mask_local2d(ip, j, " + arg(0) + ", " + arg(1) + ", " + arg(2) + ", " + arg(3) + ", " + arg(4) +
           ", " + arg(5) + ", " + (m.ints.size() > 6 && m.ints[6] ? "true" : "false") + ")";
  case MaskKind::Explicit: return "attnc_mask_explicit(p, b, h, i, j)";
  case MaskKind::And:
  case MaskKind::Or: {
    std::string op = m.kind == MaskKind::And ? " && " : " || ";
    std::string s = "(";
    for (size_t k = 0; k < m.children.size(); ++k) {
      if (k)
        s += op;
      s += emitMaskExpr(m.children[k], kvSegments);
    }
    return s + ")";
  }
  }
  return "true";
}

static std::string emitModifier(const rt::gpu::Modifier &m, const AttnVariant &v) {
  auto arg = [&](size_t k) { return std::to_string(k < m.ints.size() ? m.ints[k] : 0); };
  switch (m.kind) {
  case ModKind::Alibi: return "s = attnc_mod_alibi(s, p, h, ip, j);";
  case ModKind::RelEmb:
    return "s = attnc_mod_rel_emb<attnc_elem_t, attnc_rel_emb_t>(s, p, q_row, ip, j, " + arg(0) +
           "LL, attnc_cfg::kHeadDim);";
  case ModKind::T5Bias:
    return "s = attnc_mod_t5_bias(s, p, h, ip, j, " + arg(0) + ", " + arg(1) + ", " +
           (m.ints.size() > 2 && m.ints[2] ? "true" : "false") + ");";
  case ModKind::Softcap: return "s = attnc_mod_softcap(s, " + floatLiteral(m.value) + ");";
  case ModKind::Bias: return "s = attnc_mod_bias<attnc_bias_t>(s, p, b, h, i, j);";
  }
  return "";
}

EmittedKernel attnc::cuda::emitKernel(const AttnVariant &v, KernelKind kind, const std::string &baseName) {
  EmittedKernel k;
  k.kind = kind;
  k.kernelName = baseName;
  const bool runtimeSchedule = v.schedule == rt::gpu::Schedule::Runtime;
  if (runtimeSchedule) {
    k.classifyName = baseName + "_classify";
    k.classifyThreads = 256;
  }
  if (kind == KernelKind::MmaSm80) {
    k.threads = int(v.qTile / 16) * 32;
    k.smemBytes = mmaSmemBytes(v);
  } else if (kind == KernelKind::WgmmaSm90) {
    k.threads = wgmmaThreads(v);
    k.smemBytes = wgmmaSmemBytes(v);
  } else {
    k.threads = 128;
    k.smemBytes = 0;
  }

  std::optional<int64_t> fullLo, fullHi;
  const bool maskIsBand = v.maskIsExactBand(&fullLo, &fullHi);
  auto b2s = [](bool b) { return b ? "true" : "false"; };

  std::string src;
  llvm::raw_string_ostream os(src);
  os << "// attnc generated attention kernel (do not edit)\n"
     << "// variant: " << rt::gpu::describe(v) << "\n"
     << "// kernel: " << kernelKindName(kind) << ", " << k.threads << " threads, " << k.smemBytes
     << " bytes of dynamic shared memory\n"
     << "#include <cuda_fp16.h>\n#include <cuda_bf16.h>\n\n"
     << kABISrc << "\n"
     << "typedef " << cudaType(v.dtype) << " attnc_elem_t;\n"
     << "typedef " << cudaType(v.biasType) << " attnc_bias_t;\n"
     << "typedef " << cudaType(v.relEmbType) << " attnc_rel_emb_t;\n\n"
     << "namespace attnc_cfg {\n"
     << "constexpr int kHeadDim = " << v.headDim << ";\n"
     << "constexpr int kHeadDimV = " << v.headDimV << ";\n"
     << "constexpr int kQTile = " << v.qTile << ";\n"
     << "constexpr int kKTile = " << v.kTile << ";\n"
     << "constexpr float kScale = " << floatLiteral(v.scale) << ";\n"
     << "constexpr bool kBottomRight = " << b2s(v.bottomRight) << ";\n"
     << "constexpr bool kReturnLse = " << b2s(v.returnLse) << ";\n"
     << "constexpr bool kHasMask = " << b2s(v.mask.has_value()) << ";\n"
     << "constexpr bool kHasMods = " << b2s(!v.modifiers.empty()) << ";\n"
     << "constexpr int kScheduleDense = 0, kScheduleBand = 1, kScheduleRuntime = 2;\n"
     << "constexpr int kSchedule = kSchedule"
     << (v.schedule == rt::gpu::Schedule::Dense ? "Dense" : runtimeSchedule ? "Runtime" : "Band") << ";\n"
     << "constexpr bool kBandHasLo = " << b2s(v.diagLo.has_value()) << ";\n"
     << "constexpr long long kBandLo = " << v.diagLo.value_or(0) << ";\n"
     << "constexpr bool kBandHasHi = " << b2s(v.diagHi.has_value()) << ";\n"
     << "constexpr long long kBandHi = " << v.diagHi.value_or(0) << ";\n"
     << "// The mask is exactly the band kFullLo <= j - i' <= kFullHi: tiles\n"
     << "// inside it need no per-element mask work.\n"
     << "constexpr bool kMaskIsBand = " << b2s(maskIsBand && v.mask) << ";\n"
     << "constexpr bool kFullHasLo = " << b2s(fullLo.has_value()) << ";\n"
     << "constexpr long long kFullLo = " << fullLo.value_or(0) << ";\n"
     << "constexpr bool kFullHasHi = " << b2s(fullHi.has_value()) << ";\n"
     << "constexpr long long kFullHi = " << fullHi.value_or(0) << ";\n"
     << "constexpr bool kTileMapPerBatch = " << b2s(v.maskDependsOnBatch()) << ";\n"
     << "constexpr bool kTileMapPerHead = " << b2s(v.maskDependsOnHead()) << ";\n"
     << "} // namespace attnc_cfg\n\n"
     << kCommonSrc << "\n";

  os << "// mask: " << (v.mask ? rt::gpu::printMask(*v.mask) : "none") << "\n"
     << "ATTNC_DEVICE bool attnc_visible(const AttncAttnParams &p, attnc_i64 b, attnc_i64 h, attnc_i64 i, "
        "attnc_i64 j, attnc_i64 shift) {\n"
     << "  const attnc_i64 ip = i + shift;\n"
     << "  (void)p; (void)b; (void)h; (void)ip;\n"
     << "  return " << (v.mask ? emitMaskExpr(*v.mask, v.hasKvSegments) : std::string("true")) << ";\n"
     << "}\n\n";

  os << "// modifiers: " << (v.modifiers.empty() ? "none" : rt::gpu::printModifiers(v.modifiers)) << "\n"
     << "ATTNC_DEVICE float attnc_modify(float s, const AttncAttnParams &p, attnc_i64 b, attnc_i64 h, "
        "attnc_i64 i, attnc_i64 j, attnc_i64 shift, const attnc_elem_t *q_row) {\n"
     << "  const attnc_i64 ip = i + shift;\n"
     << "  (void)p; (void)b; (void)h; (void)ip; (void)q_row;\n";
  for (const rt::gpu::Modifier &m : v.modifiers)
    os << "  " << emitModifier(m, v) << "\n";
  os << "  return s;\n}\n\n" << kScheduleSrc << "\n";

  if (kind == KernelKind::MmaSm80 || kind == KernelKind::WgmmaSm90) {
    bool bf16 = v.dtype == ElemType::BF16;
    os << "#define ATTNC_MMA_TYPE \"" << (bf16 ? "bf16" : "f16") << "\"\n"
       << "ATTNC_DEVICE unsigned attnc_pack2(float lo, float hi) {\n"
       << "  " << (bf16 ? "__nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);" : "__half2 v = __floats2half2_rn(lo, hi);")
       << "\n  return *reinterpret_cast<unsigned *>(&v);\n}\n\n"
       << (kind == KernelKind::MmaSm80 ? kMmaSm80Src : kWgmmaSm90Src) << "\n";
  } else {
    os << kSimtSrc << "\n";
  }
  if (kind == KernelKind::WgmmaSm90) {
    // One block per SM by construction (setmaxnreg needs the register cap
    // that the `1` gives); the TMA descriptors travel as a second,
    // __grid_constant__ argument (KernelABI.h).
    os << "extern \"C\" __global__ void __launch_bounds__(" << k.threads << ", 1) " << k.kernelName
       << "(const AttncAttnParams p, const __grid_constant__ AttncTmaMaps maps) {\n"
       << "  attnc_wgmma::attnc_flash_fwd(p, maps);\n}\n";
  } else {
    const char *ns = kind == KernelKind::MmaSm80 ? "attnc_mma" : "attnc_simt";
    os << "extern \"C\" __global__ void __launch_bounds__(" << k.threads << ") " << k.kernelName
       << "(const AttncAttnParams p) {\n  " << ns << "::attnc_flash_fwd(p);\n}\n";
  }
  if (runtimeSchedule)
    os << "\nextern \"C\" __global__ void __launch_bounds__(" << k.classifyThreads << ") " << k.classifyName
       << "(const AttncAttnParams p) {\n  attnc_classify_body(p);\n}\n";
  k.source = std::move(os.str());
  return k;
}
