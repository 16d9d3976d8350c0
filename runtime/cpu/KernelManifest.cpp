//===- KernelManifest.cpp - Metadata of ahead-of-time CPU kernels ---------===//
//
// See KernelManifest.h. nlohmann::json is used only through its
// non-throwing entry points (parse with allow_exceptions=false, type checks
// before every read): the runtime is built with -fno-exceptions. The kernel
// entries mirror kernelInfoFromJSON in compiler/Codegen/CPU/KernelMetadata
// (the round trip is unit-tested against it).
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/KernelManifest.h"

#include <nlohmann/json.hpp>

namespace attnc::rt {

using json = nlohmann::json;

namespace {

const char *const kMaskKindNames[] = {"causal",    "window",   "padding", "strided",
                                      "block_sparse", "prefix_lm", "document", "graph",
                                      "local2d",   "explicit", "and",     "or"};

/// Reads integer `key` of `o` into `dst`; false (and `err` set) when absent.
bool getInt(const json &o, const char *key, int64_t &dst, std::string &err) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number_integer()) {
    err = std::string("lacks integer '") + key + "'";
    return false;
  }
  dst = it->get<int64_t>();
  return true;
}

Result<CpuMaskNode> maskFromJson(const json &v, int depth) {
  if (!v.is_object())
    return corrupt("mask is not a JSON object");
  if (depth > 16)
    return corrupt("mask nests deeper than 16 levels");
  CpuMaskNode n;
  auto kind = v.find("kind");
  bool found = false;
  if (kind != v.end() && kind->is_string())
    for (int k = 0; k <= static_cast<int>(CpuMaskKind::Or); ++k)
      if (kind->get_ref<const std::string &>() == kMaskKindNames[k]) {
        n.kind = static_cast<CpuMaskKind>(k);
        found = true;
      }
  if (!found)
    return corrupt("unknown mask kind");
  std::string err;
  if (!getInt(v, "a", n.a, err) || !getInt(v, "b", n.b, err))
    return corrupt("mask " + err);
  auto members = v.find("members");
  if (members != v.end()) {
    if (!members->is_array())
      return corrupt("mask 'members' is not an array");
    for (const json &c : *members) {
      ATTNC_RT_ASSIGN_OR_RETURN(CpuMaskNode child, maskFromJson(c, depth + 1));
      n.members.push_back(std::move(child));
    }
  }
  return n;
}

Result<CpuKernelInfo> kernelFromJson(const json &o) {
  if (!o.is_object())
    return corrupt("kernel metadata is not a JSON object");
  CpuKernelInfo info;
  std::string err;
  int64_t abi = -1;
  if (!getInt(o, "abi", abi, err) || abi != ATTNC_CPU_KERNEL_ABI_VERSION)
    return corrupt("kernel metadata has ABI version " + std::to_string(abi) + ", expected " +
                   std::to_string(ATTNC_CPU_KERNEL_ABI_VERSION));
  info.abiVersion = int(abi);
  auto name = o.find("name");
  auto sched = o.find("schedule");
  if (name == o.end() || !name->is_string() || name->get_ref<const std::string &>().empty() ||
      sched == o.end() || !sched->is_string())
    return corrupt("kernel metadata lacks name or schedule");
  info.name = name->get<std::string>();
  const std::string &s = sched->get_ref<const std::string &>();
  if (s == "dense")
    info.schedule = CpuSchedule::Dense;
  else if (s == "band")
    info.schedule = CpuSchedule::Band;
  else if (s == "runtime")
    info.schedule = CpuSchedule::Runtime;
  else
    return corrupt("kernel '" + info.name + "' has unknown schedule '" + s + "'");
  auto dtype = o.find("dtype");
  if (dtype != o.end() && (!dtype->is_string() || dtype->get_ref<const std::string &>() != "f32"))
    return corrupt("kernel '" + info.name + "' is not an f32 kernel");
  struct {
    const char *key;
    int64_t *dst;
  } ints[] = {{"q_tile", &info.qTile},       {"k_tile", &info.kTile},
              {"vector_width", &info.vectorWidth}, {"batch", &info.batch},
              {"q_heads", &info.qHeads},     {"kv_heads", &info.kvHeads},
              {"q_len", &info.qLen},         {"kv_len", &info.kvLen},
              {"head_dim", &info.headDim},   {"value_dim", &info.valueDim},
              {"rel_emb_max_distance", &info.relEmbMaxDistance},
              {"t5_num_buckets", &info.t5NumBuckets}};
  for (auto &i : ints)
    if (!getInt(o, i.key, *i.dst, err))
      return corrupt("kernel '" + info.name + "' " + err);
  if (info.qTile <= 0 || info.kTile <= 0 || info.vectorWidth <= 0)
    return corrupt("kernel '" + info.name + "' has non-positive tile sizes");
  int64_t aux = 0;
  if (!getInt(o, "aux", aux, err))
    return corrupt("kernel '" + info.name + "' " + err);
  if (aux < 0 || aux >= (int64_t(1) << ATTNC_NUM_AUX))
    return corrupt("kernel '" + info.name + "' has an invalid auxiliary operand set");
  info.auxUsed = unsigned(aux);
  for (auto [key, dst] : {std::pair<const char *, bool *>{"bottom_right", &info.bottomRight},
                          {"return_lse", &info.returnLse}}) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_boolean())
      return corrupt("kernel '" + info.name + "' lacks boolean '" + key + "'");
    *dst = it->get<bool>();
  }
  auto scale = o.find("scale");
  if (scale == o.end() || !scale->is_number())
    return corrupt("kernel '" + info.name + "' lacks number 'scale'");
  info.scale = scale->get<float>();
  auto mods = o.find("modifiers");
  if (mods != o.end()) {
    if (!mods->is_array())
      return corrupt("kernel '" + info.name + "' has non-array 'modifiers'");
    for (const json &m : *mods) {
      if (!m.is_string())
        return corrupt("kernel '" + info.name + "' has a non-string modifier");
      info.modifiers.push_back(m.get<std::string>());
    }
  }
  auto mask = o.find("mask");
  if (mask != o.end()) {
    Result<CpuMaskNode> node = maskFromJson(*mask, 0);
    if (!node.ok())
      return node.status().withContext("kernel '" + info.name + "'");
    info.mask = node.take();
  }
  return info;
}

} // namespace

const CpuKernelInfo *KernelManifest::find(const std::string &name) const {
  for (const CpuKernelInfo &k : kernels)
    if (k.name == name)
      return &k;
  return nullptr;
}

Result<CpuKernelInfo> parseCpuKernelInfo(const std::string &text) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded())
    return corrupt("kernel metadata is not valid JSON");
  return kernelFromJson(root);
}

Result<KernelManifest> parseKernelManifest(const std::string &text, const std::string &source) {
  auto fail = [&](const std::string &msg) { return corrupt(source + ": " + msg); };
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return fail("not a JSON object");
  auto format = root.find("format");
  if (format == root.end() || !format->is_string() ||
      format->get_ref<const std::string &>() != kKernelManifestFormat)
    return fail(std::string("not an attnc kernel manifest (format is not '") +
                kKernelManifestFormat + "')");
  KernelManifest m;
  std::string err;
  int64_t version = -1, abi = -1, bytes = -1;
  if (!getInt(root, "version", version, err) || version != kKernelManifestVersion)
    return fail("manifest version " + std::to_string(version) + ", this runtime reads version " +
                std::to_string(kKernelManifestVersion));
  if (!getInt(root, "abi", abi, err) || abi != ATTNC_CPU_KERNEL_ABI_VERSION)
    return fail("kernel ABI version " + std::to_string(abi) + ", this runtime has version " +
                std::to_string(ATTNC_CPU_KERNEL_ABI_VERSION));
  m.abiVersion = int(abi);
  if (!getInt(root, "library_bytes", bytes, err) || bytes <= 0)
    return fail("lacks a positive 'library_bytes'");
  m.libraryBytes = uint64_t(bytes);
  for (auto [key, dst] : {std::pair<const char *, std::string *>{"arch", &m.arch}, {"cpu", &m.cpu}}) {
    auto it = root.find(key);
    if (it == root.end() || !it->is_string())
      return fail(std::string("lacks string '") + key + "'");
    *dst = it->get<std::string>();
  }
  auto features = root.find("features");
  if (features == root.end() || !features->is_array())
    return fail("lacks array 'features'");
  for (const json &f : *features) {
    if (!f.is_string())
      return fail("has a non-string feature");
    m.features.push_back(f.get<std::string>());
  }
  auto kernels = root.find("kernels");
  if (kernels == root.end() || !kernels->is_array())
    return fail("lacks array 'kernels'");
  for (const json &k : *kernels) {
    Result<CpuKernelInfo> info = kernelFromJson(k);
    if (!info.ok())
      return fail(info.status().message());
    if (m.find(info->name))
      return fail("kernel '" + info->name + "' appears twice");
    m.kernels.push_back(info.take());
  }
  return m;
}

const char *hostArch() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unknown";
#endif
}

bool hostHasCpuFeature(const std::string &f) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // __builtin_cpu_supports takes string literals only, hence the chain.
#define ATTNC_FEATURE(name)                                                                   \
  if (f == name)                                                                              \
    return __builtin_cpu_supports(name);
  ATTNC_FEATURE("sse2")
  ATTNC_FEATURE("sse3")
  ATTNC_FEATURE("ssse3")
  ATTNC_FEATURE("sse4.1")
  ATTNC_FEATURE("sse4.2")
  ATTNC_FEATURE("avx")
  ATTNC_FEATURE("avx2")
  ATTNC_FEATURE("fma")
  ATTNC_FEATURE("f16c")
  ATTNC_FEATURE("bmi")
  ATTNC_FEATURE("bmi2")
  ATTNC_FEATURE("avx512f")
  ATTNC_FEATURE("avx512cd")
  ATTNC_FEATURE("avx512bw")
  ATTNC_FEATURE("avx512dq")
  ATTNC_FEATURE("avx512vl")
  ATTNC_FEATURE("avx512vnni")
  ATTNC_FEATURE("avx512bf16")
  ATTNC_FEATURE("avx512fp16")
  ATTNC_FEATURE("avxvnni")
#undef ATTNC_FEATURE
#endif
  (void)f;
  return false;
}

Status checkHostRuns(const KernelManifest &m) {
  if (m.arch != hostArch())
    return unsupported("the kernels were compiled for " + m.arch + ", this host is " + hostArch());
  std::string missing;
  for (const std::string &f : m.features)
    if (!hostHasCpuFeature(f))
      missing += (missing.empty() ? "" : ", ") + f;
  if (!missing.empty())
    return unsupported("the kernels were compiled for a " + m.cpu +
                       " CPU and use instruction-set features this host lacks: " + missing);
  return Status::success();
}

} // namespace attnc::rt
