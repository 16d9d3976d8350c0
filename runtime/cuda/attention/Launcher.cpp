//===- Launcher.cpp - Run a compiled attention artifact on a GPU ----------===//
//
// Shapes are validated on the host before anything touches the device, so
// that a wrong call fails with "q_heads 6 is not a multiple of kv_heads 4"
// rather than with an illegal address inside a kernel. The grid follows the
// kernel bodies in compiler/Codegen/CUDA/Kernels: one block per (query
// tile, batch * q_head), query tiles heaviest first; the classify kernel has
// one block per (key tile, query tile, batch|1 * head|1).
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/attention/Launcher.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace attnc::rt::gpu {

namespace {

constexpr int64_t kMaxGridYZ = 65535;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

bool needs(const AttnVariant &v, AuxBuffer a) { return v.requiredAux() & (1u << unsigned(a)); }

std::string dimsText(const AttentionShape &s) {
  return "b=" + std::to_string(s.batch) + " hq=" + std::to_string(s.qHeads) + " hk=" + std::to_string(s.kvHeads) +
         " lq=" + std::to_string(s.qLen) + " lk=" + std::to_string(s.kvLen);
}

/// Largest value of an integer parameter over the modifiers of a kind.
int64_t maxModInt(const AttnVariant &v, ModKind kind, size_t index) {
  int64_t m = 0;
  for (const Modifier &mod : v.modifiers)
    if (mod.kind == kind && mod.ints.size() > index)
      m = std::max(m, mod.ints[index]);
  return m;
}

void collectBlocks(const MaskNode &m, std::vector<int64_t> &blocks) {
  if (m.kind == MaskKind::BlockSparse && !m.ints.empty())
    blocks.push_back(m.ints[0]);
  for (const MaskNode &c : m.children)
    collectBlocks(c, blocks);
}

size_t roundUp(size_t n) { return (n + 15) / 16 * 16; }

} // namespace

int64_t blockSparseBlock(const AttnVariant &v) {
  std::vector<int64_t> blocks;
  if (v.mask)
    collectBlocks(*v.mask, blocks);
  return blocks.empty() ? 0 : blocks.front();
}

size_t qBytes(const AttnVariant &v, const AttentionShape &s) {
  return size_t(s.batch * s.qHeads * s.qLen * v.headDim) * elemSize(v.dtype);
}
size_t kBytes(const AttnVariant &v, const AttentionShape &s) {
  return size_t(s.batch * s.kvHeads * s.kvLen * v.headDim) * elemSize(v.dtype);
}
size_t vBytes(const AttnVariant &v, const AttentionShape &s) {
  return size_t(s.batch * s.kvHeads * s.kvLen * v.headDimV) * elemSize(v.dtype);
}
size_t outBytes(const AttnVariant &v, const AttentionShape &s) {
  return size_t(s.batch * s.qHeads * s.qLen * v.headDimV) * elemSize(v.dtype);
}
size_t lseBytes(const AttnVariant &v, const AttentionShape &s) {
  return v.returnLse ? size_t(s.batch * s.qHeads * s.qLen) * 4 : 0;
}

size_t auxBytes(const AttnVariant &v, AuxBuffer which, const AttentionShape &s, const AuxExtents &e) {
  if (!needs(v, which))
    return 0;
  switch (which) {
  case AuxBuffer::KvLengths:
  case AuxBuffer::PrefixLengths: return size_t(s.batch) * 4;
  case AuxBuffer::QSegments: return size_t(s.batch * s.qLen) * 4;
  case AuxBuffer::KvSegments: return size_t(s.batch * s.kvLen) * 4;
  case AuxBuffer::Adjacency: return size_t(s.batch * s.qLen * s.kvLen);
  case AuxBuffer::BlockLayout: {
    int64_t blk = std::max<int64_t>(blockSparseBlock(v), 1);
    return size_t(e.blockLayoutHeads * ceilDiv(s.qLen, blk) * ceilDiv(s.kvLen, blk));
  }
  case AuxBuffer::MaskTensor: return size_t(e.maskBatch * e.maskHeads * s.qLen * s.kvLen);
  case AuxBuffer::Bias: return size_t(e.biasBatch * e.biasHeads * s.qLen * s.kvLen) * elemSize(v.biasType);
  case AuxBuffer::AlibiSlopes: return size_t(s.qHeads) * 4;
  case AuxBuffer::RelEmb:
    return size_t((2 * maxModInt(v, ModKind::RelEmb, 0) + 1) * v.headDim) * elemSize(v.relEmbType);
  case AuxBuffer::RelBias: return size_t(maxModInt(v, ModKind::T5Bias, 0) * s.qHeads) * 4;
  }
  return 0;
}

Status validateShape(const Artifact &a, const AttentionShape &s, const AuxExtents &e) {
  const AttnVariant &v = a.variant;
  const std::string where = "'" + a.name + "' (" + dimsText(s) + "): ";
  struct Dim {
    const char *name;
    int64_t value, fixed;
  } dims[] = {{"batch", s.batch, a.dims.batch},
              {"q_heads", s.qHeads, a.dims.qHeads},
              {"kv_heads", s.kvHeads, a.dims.kvHeads},
              {"q_len", s.qLen, a.dims.qLen},
              {"kv_len", s.kvLen, a.dims.kvLen}};
  for (const Dim &d : dims) {
    if (d.value < 1 || d.value > (int64_t(1) << 31))
      return invalidArgument(where + d.name + " must be in [1, 2^31], got " + std::to_string(d.value));
    if (d.fixed >= 0 && d.value != d.fixed)
      return invalidArgument(where + d.name + " is " + std::to_string(d.value) + " but the artifact was compiled for " +
                             std::to_string(d.fixed));
  }
  if (s.qHeads % s.kvHeads)
    return invalidArgument(where + "q_heads " + std::to_string(s.qHeads) + " is not a multiple of kv_heads " +
                           std::to_string(s.kvHeads));
  if (s.batch * s.qHeads > kMaxGridYZ)
    return invalidArgument(where + "batch * q_heads = " + std::to_string(s.batch * s.qHeads) +
                           " exceeds the CUDA grid limit of 65535 blocks in y");
  if (v.schedule == Schedule::Runtime) {
    int64_t z = (v.maskDependsOnBatch() ? s.batch : 1) * (v.maskDependsOnHead() ? s.qHeads : 1);
    if (ceilDiv(s.qLen, v.qTile) > kMaxGridYZ || z > kMaxGridYZ)
      return invalidArgument(where + "too many query tiles or tile maps for the classify kernel's grid");
  }
  // Total element counts must fit the kernel's 64-bit index arithmetic with
  // room to spare, and the host's size_t.
  if (double(s.batch) * double(std::max(s.qHeads, s.kvHeads)) * double(std::max(s.qLen, s.kvLen)) *
          double(std::max(v.headDim, v.headDimV)) >
      double(int64_t(1) << 46))
    return invalidArgument(where + "tensors larger than 2^46 elements");
  if (v.mask) {
    std::vector<int64_t> blocks;
    collectBlocks(*v.mask, blocks);
    for (int64_t b : blocks)
      if (b != blocks.front())
        return invalidArgument(where + "block_sparse masks with different block sizes (" +
                               std::to_string(blocks.front()) + ", " + std::to_string(b) +
                               ") cannot share one block_layout");
  }
  if (needs(v, AuxBuffer::QSegments) && !v.hasKvSegments && s.kvLen > s.qLen)
    return invalidArgument(where + "the document mask reads key document ids from q_segments [b, q_len], so kv_len " +
                           std::to_string(s.kvLen) + " may not exceed q_len " + std::to_string(s.qLen) +
                           " (compile with kv_segments)");
  auto oneOr = [&](const char *what, int64_t value, int64_t full, const char *fullName) -> Status {
    if (value != 1 && value != full)
      return invalidArgument(where + what + " is " + std::to_string(value) + "; it must be 1 (broadcast) or " +
                             fullName + " = " + std::to_string(full));
    return Status::success();
  };
  if (needs(v, AuxBuffer::BlockLayout))
    ATTNC_RT_RETURN_IF_ERROR(oneOr("the block_layout head extent", e.blockLayoutHeads, s.qHeads, "q_heads"));
  if (needs(v, AuxBuffer::MaskTensor)) {
    ATTNC_RT_RETURN_IF_ERROR(oneOr("the mask batch extent", e.maskBatch, s.batch, "batch"));
    ATTNC_RT_RETURN_IF_ERROR(oneOr("the mask head extent", e.maskHeads, s.qHeads, "q_heads"));
  }
  if (needs(v, AuxBuffer::Bias)) {
    ATTNC_RT_RETURN_IF_ERROR(oneOr("the bias batch extent", e.biasBatch, s.batch, "batch"));
    ATTNC_RT_RETURN_IF_ERROR(oneOr("the bias head extent", e.biasHeads, s.qHeads, "q_heads"));
  }
  if (!a.alibiSlopes.empty() && int64_t(a.alibiSlopes.size()) != s.qHeads)
    return invalidArgument(where + "the artifact's " + std::to_string(a.alibiSlopes.size()) +
                           " constant ALiBi slopes do not match q_heads " + std::to_string(s.qHeads));
  return Status::success();
}

AttncAttnParams makeParams(const AttnVariant &v, const AttentionShape &s, const DeviceOperands &ops,
                           cuda::CUdeviceptr tileMap) {
  AttncAttnParams p;
  std::memset(&p, 0, sizeof(p));
  auto ptr = [](cuda::CUdeviceptr d) { return reinterpret_cast<void *>(uintptr_t(d)); };
  auto aux = [&](AuxBuffer a) { return ptr(ops.aux[unsigned(a)]); };
  p.q = ptr(ops.q);
  p.k = ptr(ops.k);
  p.v = ptr(ops.v);
  p.out = ptr(ops.out);
  p.lse = static_cast<float *>(v.returnLse ? ptr(ops.lse) : nullptr);
  p.kv_lengths = static_cast<const int *>(aux(AuxBuffer::KvLengths));
  p.prefix_lengths = static_cast<const int *>(aux(AuxBuffer::PrefixLengths));
  p.q_segments = static_cast<const int *>(aux(AuxBuffer::QSegments));
  p.kv_segments = static_cast<const int *>(aux(AuxBuffer::KvSegments));
  p.adjacency = static_cast<const signed char *>(aux(AuxBuffer::Adjacency));
  p.block_layout = static_cast<const signed char *>(aux(AuxBuffer::BlockLayout));
  p.mask_tensor = static_cast<const signed char *>(aux(AuxBuffer::MaskTensor));
  p.bias = aux(AuxBuffer::Bias);
  p.alibi_slopes = static_cast<const float *>(aux(AuxBuffer::AlibiSlopes));
  p.rel_emb = aux(AuxBuffer::RelEmb);
  p.rel_bias = static_cast<const float *>(aux(AuxBuffer::RelBias));
  p.tile_map = static_cast<unsigned char *>(ptr(tileMap));
  p.batch = s.batch;
  p.q_heads = s.qHeads;
  p.kv_heads = s.kvHeads;
  p.q_len = s.qLen;
  p.kv_len = s.kvLen;
  const AuxExtents &e = ops.extents;
  const long long plane = s.qLen * s.kvLen;
  p.mask_stride_h = e.maskHeads == 1 ? 0 : plane;
  p.mask_stride_b = e.maskBatch == 1 ? 0 : e.maskHeads * plane;
  p.bias_stride_h = e.biasHeads == 1 ? 0 : plane;
  p.bias_stride_b = e.biasBatch == 1 ? 0 : e.biasHeads * plane;
  int64_t blk = std::max<int64_t>(blockSparseBlock(v), 1);
  p.block_layout_stride_h = e.blockLayoutHeads == 1 ? 0 : ceilDiv(s.qLen, blk) * ceilDiv(s.kvLen, blk);
  const long long tiles = ceilDiv(s.qLen, v.qTile) * ceilDiv(s.kvLen, v.kTile);
  p.tile_map_stride_h = v.maskDependsOnHead() ? tiles : 0;
  p.tile_map_stride_b = v.maskDependsOnBatch() ? (v.maskDependsOnHead() ? s.qHeads : 1) * tiles : 0;
  return p;
}

std::string forcedKernelKind() {
  const char *k = std::getenv("ATTNC_GPU_KERNEL");
  return k ? k : "";
}

Status encodeTmaMaps(const cuda::Context &ctx, const AttnVariant &v, const AttentionShape &s,
                     const DeviceOperands &ops, AttncTmaMaps &maps) {
  auto encode = ctx.driver().api().cuTensorMapEncodeTiled;
  if (!encode)
    return unsupported("the CUDA driver '" + ctx.driver().library() +
                       "' has no cuTensorMapEncodeTiled (TMA descriptors need a CUDA 12+ driver)");
  if (v.dtype != ElemType::BF16 && v.dtype != ElemType::F16)
    return unsupported("TMA descriptors for the Hopper kernel are bf16/f16 only");
  const cuda::CUtensorMapDataType type =
      v.dtype == ElemType::BF16 ? cuda::CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : cuda::CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  auto one = [&](AttncTensorMap &map, cuda::CUdeviceptr ptr, int64_t dim, int64_t len, int64_t heads,
                 int64_t tileRows, const char *what) -> Status {
    if (ptr % 16)
      return invalidArgument(std::string("the Hopper kernel reads ") + what +
                             " with TMA, which needs a 16-byte aligned address");
    // {column, row, batch * head}; the row stride (dim * 2 bytes) is a
    // multiple of 16 for the head dims this kernel takes (64, 128).
    const unsigned long long dims[3] = {(unsigned long long)dim, (unsigned long long)len,
                                        (unsigned long long)(s.batch * heads)};
    const unsigned long long strides[2] = {(unsigned long long)dim * 2, (unsigned long long)(len * dim * 2)};
    const unsigned box[3] = {64, unsigned(tileRows), 1};
    const unsigned elementStrides[3] = {1, 1, 1};
    cuda::CUresult r = encode(&map, type, 3, reinterpret_cast<void *>(uintptr_t(ptr)), dims, strides, box,
                        elementStrides, cuda::CU_TENSOR_MAP_INTERLEAVE_NONE, cuda::CU_TENSOR_MAP_SWIZZLE_128B,
                        cuda::CU_TENSOR_MAP_L2_PROMOTION_L2_256B, cuda::CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    return ctx.check(r, std::string("cuTensorMapEncodeTiled(") + what + ", " + std::to_string(dim) + "x" +
                            std::to_string(len) + "x" + std::to_string(s.batch * heads) + ")");
  };
  ATTNC_RT_RETURN_IF_ERROR(one(maps.q, ops.q, v.headDim, s.qLen, s.qHeads, v.qTile, "q"));
  ATTNC_RT_RETURN_IF_ERROR(one(maps.k, ops.k, v.headDim, s.kvLen, s.kvHeads, v.kTile, "k"));
  return one(maps.v, ops.v, v.headDimV, s.kvLen, s.kvHeads, v.kTile, "v");
}

//===----------------------------------------------------------------------===//
// AttentionLauncher
//===----------------------------------------------------------------------===//

Result<std::unique_ptr<AttentionLauncher>> AttentionLauncher::create(std::shared_ptr<cuda::Context> ctx,
                                                                    Artifact artifact) {
  std::unique_ptr<AttentionLauncher> l(new AttentionLauncher());
  l->ctx_ = std::move(ctx);
  l->artifact_ = std::move(artifact);
  const cuda::DeviceInfo &dev = l->ctx_->device();
  const Artifact &a = l->artifact_;
  std::vector<const KernelImage *> candidates = compatibleImages(a, dev.computeMajor, dev.computeMinor);
  if (candidates.empty()) {
    std::string have;
    for (const KernelImage &img : a.images)
      have += (have.empty() ? "" : ", ") + img.arch() + " (" + img.kind + ")";
    return unsupported("no kernel image in artifact '" + a.name + "' runs on " + dev.name + " (" + dev.smArch() +
                       "): it has " + have + "; recompile with --arch=" + dev.smArch());
  }
  const int cc = dev.computeMajor * 10 + dev.computeMinor;
  const std::string forced = forcedKernelKind();
  std::string skipped;
  for (const KernelImage *img : candidates) {
    auto skip = [&](const std::string &why) {
      skipped += (skipped.empty() ? "" : "; ") + img->arch() + " " + img->kind + ": " + why;
    };
    if (!forced.empty() && img->kind != forced) {
      skip("ATTNC_GPU_KERNEL=" + forced);
      continue;
    }
    if (img->kind == "wgmma_sm90" && !l->ctx_->driver().api().cuTensorMapEncodeTiled) {
      skip("the driver has no cuTensorMapEncodeTiled (TMA needs a CUDA 12+ driver)");
      continue;
    }
    if (img->smemBytes > dev.maxSharedMemoryPerBlockOptin) {
      skip("needs " + std::to_string(img->smemBytes) + " bytes of shared memory per block, " + dev.name +
           " allows " + std::to_string(dev.maxSharedMemoryPerBlockOptin));
      continue;
    }
    if (img->threads > dev.maxThreadsPerBlock || img->classifyThreads > dev.maxThreadsPerBlock) {
      skip("needs " + std::to_string(std::max(img->threads, img->classifyThreads)) + " threads per block");
      continue;
    }
    bool cubinOk =
        !img->cubin.empty() && (img->archSpecific ? img->sm == cc : img->sm / 10 == dev.computeMajor && img->sm <= cc);
    Result<cuda::Module> mod = unavailable("no CUBIN for this device");
    const char *form = "CUBIN";
    if (cubinOk)
      mod = cuda::Module::load(l->ctx_, img->cubin.data(), img->cubin.size());
    if (!mod.ok() && !img->ptx.empty()) {
      if (cubinOk)
        skip("CUBIN did not load (" + mod.status().message() + "), trying PTX");
      mod = cuda::Module::load(l->ctx_, img->ptx.data(), img->ptx.size());
      form = "PTX";
    }
    if (!mod.ok()) {
      skip(mod.status().message());
      continue;
    }
    Result<cuda::Kernel> kernel = mod->getKernel(img->kernelName);
    if (!kernel.ok()) {
      skip(kernel.status().message());
      continue;
    }
    std::optional<cuda::Kernel> classify;
    if (!img->classifyName.empty()) {
      Result<cuda::Kernel> c = mod->getKernel(img->classifyName);
      if (!c.ok()) {
        skip(c.status().message());
        continue;
      }
      classify = *c;
    }
    // Opt in to large shared memory once, not on the first launch.
    if (img->smemBytes > dev.maxSharedMemoryPerBlock) {
      if (Status st = kernel->setMaxDynamicSharedMemory(unsigned(img->smemBytes)); !st.ok()) {
        skip(st.message());
        continue;
      }
    }
    l->module_ = mod.take();
    l->kernel_ = *kernel;
    l->classify_ = classify;
    l->image_ = img;
    l->selection_ = img->arch() + " " + img->kind + " (" + form + ")";
    if (!skipped.empty())
      l->selection_ += "; passed over: " + skipped;
    return l;
  }
  return unsupported("no kernel image in artifact '" + a.name + "' could be loaded on " + dev.name + " (" +
                     dev.smArch() + "): " + skipped);
}

Result<LaunchPlan> AttentionLauncher::plan(const AttentionShape &s) const {
  ATTNC_RT_RETURN_IF_ERROR(validateShape(artifact_, s));
  const AttnVariant &v = artifact_.variant;
  const KernelImage &img = *image_;
  const cuda::DeviceInfo &dev = ctx_->device();
  LaunchPlan p;
  const int64_t qTiles = ceilDiv(s.qLen, v.qTile), kTiles = ceilDiv(s.kvLen, v.kTile);
  p.attention.grid = {unsigned(qTiles), unsigned(s.batch * s.qHeads), 1};
  p.attention.block = {unsigned(img.threads), 1, 1};
  p.attention.dynamicSharedBytes = unsigned(img.smemBytes);
  if (v.schedule == Schedule::Runtime) {
    int64_t maps = (v.maskDependsOnBatch() ? s.batch : 1) * (v.maskDependsOnHead() ? s.qHeads : 1);
    cuda::LaunchConfig c;
    c.grid = {unsigned(kTiles), unsigned(qTiles), unsigned(maps)};
    c.block = {unsigned(img.classifyThreads), 1, 1};
    p.classify = c;
    p.tileMapBytes = size_t(maps * qTiles * kTiles);
  }
  // Residency: shared memory per SM (minus the 1 KiB the driver reserves
  // per block) and 2048 threads per SM (sm_80 .. sm_90).
  int bySmem = img.smemBytes > 0 ? int(dev.maxSharedMemoryPerMultiprocessor / (img.smemBytes + 1024)) : 32;
  p.blocksPerSm = std::max(1, std::min({bySmem, 2048 / img.threads, 32}));
  // The Hopper kernel is one block per SM by construction
  // (__launch_bounds__(threads, 1): setmaxnreg hands out the SM's registers).
  if (img.kind == "wgmma_sm90")
    p.blocksPerSm = 1;
  double blocks = double(qTiles) * double(s.batch * s.qHeads);
  p.waves = blocks / (double(std::max(dev.multiprocessorCount, 1)) * p.blocksPerSm);
  return p;
}

Status AttentionLauncher::launch(const AttentionShape &s, const DeviceOperands &ops, const cuda::Stream *stream) {
  const AttnVariant &v = artifact_.variant;
  ATTNC_RT_RETURN_IF_ERROR(validateShape(artifact_, s, ops.extents));
  auto missing = [&](const std::string &what) {
    return invalidArgument("'" + artifact_.name + "': no device buffer for " + what);
  };
  if (!ops.q || !ops.k || !ops.v || !ops.out)
    return missing("q, k, v or out");
  if (v.returnLse && !ops.lse)
    return missing("lse (the artifact returns the log-sum-exp)");
  for (unsigned i = 0; i < kNumAuxBuffers; ++i)
    if (needs(v, AuxBuffer(i)) && !ops.aux[i])
      return missing(std::string("'") + auxBufferName(AuxBuffer(i)) + "', which the variant reads (" +
                     describe(v) + ")");
  ATTNC_RT_ASSIGN_OR_RETURN(LaunchPlan plan, this->plan(s));

  if (plan.classify) {
    bool hit = tileMapValid_ && mapShape_ == s && mapExtents_ == ops.extents && mapAux_ == ops.aux &&
               mapGeneration_ == ops.maskGeneration;
    if (!hit) {
      tileMapValid_ = false;
      if (tileMap_.size() < plan.tileMapBytes) {
        tileMap_ = cuda::DeviceBuffer();
        ATTNC_RT_ASSIGN_OR_RETURN(tileMap_, cuda::DeviceBuffer::allocate(ctx_, roundUp(plan.tileMapBytes)));
      }
      AttncAttnParams p = makeParams(v, s, ops, tileMap_.ptr());
      void *args[] = {&p};
      ATTNC_RT_RETURN_IF_ERROR(classify_->launch(*plan.classify, args, stream));
      ++classifyLaunches_;
      tileMapValid_ = true;
      mapShape_ = s;
      mapExtents_ = ops.extents;
      mapAux_ = ops.aux;
      mapGeneration_ = ops.maskGeneration;
    }
  }
  AttncAttnParams p = makeParams(v, s, ops, plan.classify ? tileMap_.ptr() : 0);
  if (image_->kind == "wgmma_sm90") {
    const std::array<cuda::CUdeviceptr, 3> ptrs = {ops.q, ops.k, ops.v};
    if (!tmaValid_ || !(tmaShape_ == s) || tmaPtrs_ != ptrs) {
      tmaValid_ = false;
      ATTNC_RT_RETURN_IF_ERROR(encodeTmaMaps(*ctx_, v, s, ops, tmaMaps_));
      tmaValid_ = true;
      tmaShape_ = s;
      tmaPtrs_ = ptrs;
    }
    void *args[] = {&p, &tmaMaps_};
    return kernel_->launch(plan.attention, args, stream);
  }
  void *args[] = {&p};
  return kernel_->launch(plan.attention, args, stream);
}

//===----------------------------------------------------------------------===//
// AttentionBuffers
//===----------------------------------------------------------------------===//

Result<AttentionBuffers> AttentionBuffers::allocate(const std::shared_ptr<cuda::Context> &ctx, const AttnVariant &v,
                                                    const AttentionShape &s, const AuxExtents &e) {
  AttentionBuffers b;
  b.variant_ = v;
  b.shape_ = s;
  b.extents_ = e;
  // Rounded up to 16 bytes so that 32-bit fills (NaN poisoning) cover
  // 16-bit tensors with an odd number of elements.
  ATTNC_RT_ASSIGN_OR_RETURN(b.q_, cuda::DeviceBuffer::allocate(ctx, roundUp(qBytes(v, s))));
  ATTNC_RT_ASSIGN_OR_RETURN(b.k_, cuda::DeviceBuffer::allocate(ctx, roundUp(kBytes(v, s))));
  ATTNC_RT_ASSIGN_OR_RETURN(b.v_, cuda::DeviceBuffer::allocate(ctx, roundUp(vBytes(v, s))));
  ATTNC_RT_ASSIGN_OR_RETURN(b.out_, cuda::DeviceBuffer::allocate(ctx, roundUp(outBytes(v, s))));
  ATTNC_RT_ASSIGN_OR_RETURN(b.lse_, cuda::DeviceBuffer::allocate(ctx, roundUp(lseBytes(v, s))));
  for (unsigned i = 0; i < kNumAuxBuffers; ++i) {
    if (size_t n = auxBytes(v, AuxBuffer(i), s, e)) {
      ATTNC_RT_ASSIGN_OR_RETURN(b.aux_[i], cuda::DeviceBuffer::allocate(ctx, roundUp(n)));
    }
  }
  return b;
}

Status AttentionBuffers::upload(const HostOperands &h) {
  if (!(h.extents == extents_))
    return invalidArgument("the host operands' broadcast extents differ from the ones the buffers were sized for");
  if (!h.q || !h.k || !h.v)
    return invalidArgument("upload needs q, k and v");
  ATTNC_RT_RETURN_IF_ERROR(q_.copyFromHost(h.q, qBytes(variant_, shape_)));
  ATTNC_RT_RETURN_IF_ERROR(k_.copyFromHost(h.k, kBytes(variant_, shape_)));
  ATTNC_RT_RETURN_IF_ERROR(v_.copyFromHost(h.v, vBytes(variant_, shape_)));
  for (unsigned i = 0; i < kNumAuxBuffers; ++i) {
    size_t n = auxBytes(variant_, AuxBuffer(i), shape_, extents_);
    if (!n)
      continue;
    if (!h.aux[i])
      return invalidArgument(std::string("operand '") + auxBufferName(AuxBuffer(i)) +
                             "' is read by the variant but was not given");
    ATTNC_RT_RETURN_IF_ERROR(aux_[i].copyFromHost(h.aux[i], n));
  }
  ++generation_;
  return Status::success();
}

Status AttentionBuffers::poisonOutputs() {
  uint32_t nan = variant_.dtype == ElemType::F32 ? 0x7fc00000u
                 : variant_.dtype == ElemType::F16 ? 0x7e007e00u
                                                   : 0x7fc07fc0u;
  ATTNC_RT_RETURN_IF_ERROR(out_.fill32(nan));
  return lse_.fill32(0x7fc00000u);
}

Status AttentionBuffers::downloadOut(void *dst) const { return out_.copyToHost(dst, outBytes(variant_, shape_)); }

Status AttentionBuffers::downloadLse(float *dst) const { return lse_.copyToHost(dst, lseBytes(variant_, shape_)); }

DeviceOperands AttentionBuffers::operands() const {
  DeviceOperands o;
  o.q = q_.ptr();
  o.k = k_.ptr();
  o.v = v_.ptr();
  o.out = out_.ptr();
  o.lse = lse_.ptr();
  for (unsigned i = 0; i < kNumAuxBuffers; ++i)
    o.aux[i] = aux_[i].ptr();
  o.extents = extents_;
  o.maskGeneration = generation_;
  return o;
}

} // namespace attnc::rt::gpu
