//===- Artifact.cpp - Reading and writing GPU attention artifacts ---------===//
//
// The metadata is `key = value` text rather than JSON so that the LLVM-free
// runtime parses it with a few lines of code and a human can read it with
// `strings`; the mask and the modifiers reuse AttnVariant's text form. Any
// value the launcher later trusts (tile sizes, thread counts, shared
// memory) is range-checked here, so a hand-edited or damaged file is
// rejected with a message instead of launching a bogus configuration.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/attention/Artifact.h"

#include "runtime/core/File.h"
#include "runtime/core/Sha256.h"
#include "runtime/cuda/attention/KernelABI.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

namespace attnc::rt::gpu {

std::string KernelImage::arch() const { return "sm_" + std::to_string(sm) + (archSpecific ? "a" : ""); }

namespace {

void putU32(std::vector<uint8_t> &b, uint32_t x) {
  for (int i = 0; i < 4; ++i)
    b.push_back(uint8_t(x >> (8 * i)));
}
void putU64(std::vector<uint8_t> &b, uint64_t x) {
  for (int i = 0; i < 8; ++i)
    b.push_back(uint8_t(x >> (8 * i)));
}
uint32_t getU32(const uint8_t *p) {
  uint32_t x = 0;
  for (int i = 0; i < 4; ++i)
    x |= uint32_t(p[i]) << (8 * i);
  return x;
}
uint64_t getU64(const uint8_t *p) {
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i)
    x |= uint64_t(p[i]) << (8 * i);
  return x;
}

std::string fmtFloat(double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", x);
  return buf;
}

std::string optInt(const std::optional<int64_t> &v) { return v ? std::to_string(*v) : "none"; }

void addSection(std::vector<uint8_t> &payload, const std::string &name, const std::string &data) {
  putU32(payload, uint32_t(name.size()));
  putU32(payload, 0);
  putU64(payload, data.size());
  payload.insert(payload.end(), name.begin(), name.end());
  payload.insert(payload.end(), data.begin(), data.end());
}

// Covers every header field except the checksum itself.
Sha256Digest checksum(const uint8_t *header, const uint8_t *payload, size_t payloadBytes) {
  Sha256 h;
  h.update(header, 24);
  h.update(header + 56, 8);
  h.update(payload, payloadBytes);
  return h.final();
}

std::string metaText(const Artifact &a) {
  const AttnVariant &v = a.variant;
  std::string m;
  auto kv = [&](const std::string &k, const std::string &val) { m += k + " = " + val + "\n"; };
  kv("producer", a.producer);
  kv("name", a.name);
  kv("variant", describe(v));
  kv("dtype", elemTypeName(v.dtype));
  kv("head_dim", std::to_string(v.headDim));
  kv("head_dim_v", std::to_string(v.headDimV));
  kv("q_tile", std::to_string(v.qTile));
  kv("k_tile", std::to_string(v.kTile));
  kv("schedule", scheduleName(v.schedule));
  kv("diag_lo", optInt(v.diagLo));
  kv("diag_hi", optInt(v.diagHi));
  kv("scale", fmtFloat(v.scale));
  kv("bottom_right", v.bottomRight ? "1" : "0");
  kv("return_lse", v.returnLse ? "1" : "0");
  kv("mask", v.mask ? printMask(*v.mask) : "none");
  kv("modifiers", printModifiers(v.modifiers));
  kv("kv_segments", v.hasKvSegments ? "1" : "0");
  kv("bias_type", elemTypeName(v.biasType));
  kv("rel_emb_type", elemTypeName(v.relEmbType));
  const StaticDims &d = a.dims;
  kv("static_dims", std::to_string(d.batch) + "," + std::to_string(d.qHeads) + "," + std::to_string(d.kvHeads) +
                        "," + std::to_string(d.qLen) + "," + std::to_string(d.kvLen));
  std::string slopes;
  for (size_t i = 0; i < a.alibiSlopes.size(); ++i)
    slopes += (i ? "," : "") + fmtFloat(a.alibiSlopes[i]);
  kv("alibi_slopes", slopes);
  kv("images", std::to_string(a.images.size()));
  for (size_t i = 0; i < a.images.size(); ++i) {
    const KernelImage &img = a.images[i];
    std::string p = "image" + std::to_string(i) + ".";
    kv(p + "arch", img.arch());
    kv(p + "kind", img.kind);
    kv(p + "kernel", img.kernelName);
    kv(p + "classify", img.classifyName);
    kv(p + "threads", std::to_string(img.threads));
    kv(p + "classify_threads", std::to_string(img.classifyThreads));
    kv(p + "smem_bytes", std::to_string(img.smemBytes));
  }
  return m;
}

/// Parses the `key = value` metadata and checks every value.
class MetaReader {
public:
  MetaReader(const std::string &origin) : origin_(origin) {}

  Status load(const std::string &text) {
    size_t pos = 0, line = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos)
        end = text.size();
      std::string l = text.substr(pos, end - pos);
      pos = end + 1;
      ++line;
      if (l.empty())
        continue;
      size_t eq = l.find(" = ");
      if (eq == std::string::npos) {
        if (l.size() >= 2 && l.compare(l.size() - 2, 2, " =") == 0)
          eq = l.size() - 2; // empty value
        else
          return err("metadata line " + std::to_string(line) + " is not 'key = value': '" + l + "'");
      }
      std::string key = l.substr(0, eq), value = eq + 3 <= l.size() ? l.substr(eq + 3) : "";
      if (!values_.emplace(key, value).second)
        return err("duplicate metadata key '" + key + "'");
    }
    return Status::success();
  }

  Status str(const std::string &key, std::string &out) {
    auto it = values_.find(key);
    if (it == values_.end())
      return err("metadata lacks '" + key + "'");
    out = it->second;
    return Status::success();
  }

  Status integer(const std::string &key, int64_t &out, int64_t lo, int64_t hi) {
    std::string s;
    ATTNC_RT_RETURN_IF_ERROR(str(key, s));
    return parseInt(key, s, out, lo, hi);
  }

  Status optInteger(const std::string &key, std::optional<int64_t> &out) {
    std::string s;
    ATTNC_RT_RETURN_IF_ERROR(str(key, s));
    if (s == "none") {
      out.reset();
      return Status::success();
    }
    int64_t v;
    ATTNC_RT_RETURN_IF_ERROR(parseInt(key, s, v, INT64_MIN / 4, INT64_MAX / 4));
    out = v;
    return Status::success();
  }

  Status flag(const std::string &key, bool &out) {
    int64_t v;
    ATTNC_RT_RETURN_IF_ERROR(integer(key, v, 0, 1));
    out = v != 0;
    return Status::success();
  }

  Status elemType(const std::string &key, ElemType &out) {
    std::string s;
    ATTNC_RT_RETURN_IF_ERROR(str(key, s));
    std::optional<ElemType> t = parseElemType(s);
    if (!t)
      return err("'" + key + "' is '" + s + "', expected f32, f16 or bf16");
    out = *t;
    return Status::success();
  }

  Status number(const std::string &key, const std::string &s, double &out) {
    char *end = nullptr;
    errno = 0;
    out = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || errno != 0)
      return err("'" + key + "' has a malformed number '" + s + "'");
    return Status::success();
  }

  Status parseInt(const std::string &key, const std::string &s, int64_t &out, int64_t lo, int64_t hi) {
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno != 0)
      return err("'" + key + "' is not an integer: '" + s + "'");
    if (v < lo || v > hi)
      return err("'" + key + "' = " + s + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = v;
    return Status::success();
  }

  Status err(const std::string &msg) const { return corrupt(origin_ + ": " + msg); }

private:
  std::string origin_;
  std::map<std::string, std::string> values_;
};

bool isIdentifier(const std::string &s) {
  if (s.empty() || s.size() > 256 || (s[0] >= '0' && s[0] <= '9'))
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

Status parseMeta(MetaReader &r, Artifact &a) {
  AttnVariant &v = a.variant;
  ATTNC_RT_RETURN_IF_ERROR(r.str("producer", a.producer));
  ATTNC_RT_RETURN_IF_ERROR(r.str("name", a.name));
  ATTNC_RT_RETURN_IF_ERROR(r.elemType("dtype", v.dtype));
  ATTNC_RT_RETURN_IF_ERROR(r.integer("head_dim", v.headDim, 1, 512));
  ATTNC_RT_RETURN_IF_ERROR(r.integer("head_dim_v", v.headDimV, 1, 512));
  ATTNC_RT_RETURN_IF_ERROR(r.integer("q_tile", v.qTile, 16, 128));
  ATTNC_RT_RETURN_IF_ERROR(r.integer("k_tile", v.kTile, 16, 128));
  std::string s;
  ATTNC_RT_RETURN_IF_ERROR(r.str("schedule", s));
  if (s == "dense")
    v.schedule = Schedule::Dense;
  else if (s == "band")
    v.schedule = Schedule::Band;
  else if (s == "runtime")
    v.schedule = Schedule::Runtime;
  else
    return r.err("unknown schedule '" + s + "'");
  ATTNC_RT_RETURN_IF_ERROR(r.optInteger("diag_lo", v.diagLo));
  ATTNC_RT_RETURN_IF_ERROR(r.optInteger("diag_hi", v.diagHi));
  ATTNC_RT_RETURN_IF_ERROR(r.str("scale", s));
  double scale;
  ATTNC_RT_RETURN_IF_ERROR(r.number("scale", s, scale));
  v.scale = float(scale);
  ATTNC_RT_RETURN_IF_ERROR(r.flag("bottom_right", v.bottomRight));
  ATTNC_RT_RETURN_IF_ERROR(r.flag("return_lse", v.returnLse));
  ATTNC_RT_RETURN_IF_ERROR(r.str("mask", s));
  std::string error;
  if (s != "none") {
    std::optional<MaskNode> m = parseMask(s, error);
    if (!m)
      return r.err("bad mask: " + error);
    v.mask = std::move(*m);
  }
  ATTNC_RT_RETURN_IF_ERROR(r.str("modifiers", s));
  std::optional<std::vector<Modifier>> mods = parseModifiers(s, error);
  if (!mods)
    return r.err("bad modifiers: " + error);
  v.modifiers = std::move(*mods);
  ATTNC_RT_RETURN_IF_ERROR(r.flag("kv_segments", v.hasKvSegments));
  ATTNC_RT_RETURN_IF_ERROR(r.elemType("bias_type", v.biasType));
  ATTNC_RT_RETURN_IF_ERROR(r.elemType("rel_emb_type", v.relEmbType));

  ATTNC_RT_RETURN_IF_ERROR(r.str("static_dims", s));
  int64_t dims[5];
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t end = i < 4 ? s.find(',', pos) : s.size();
    if (end == std::string::npos)
      return r.err("'static_dims' needs 5 comma-separated integers, got '" + s + "'");
    ATTNC_RT_RETURN_IF_ERROR(r.parseInt("static_dims", s.substr(pos, end - pos), dims[i], -1, INT32_MAX));
    pos = end + 1;
  }
  a.dims = {dims[0], dims[1], dims[2], dims[3], dims[4]};

  ATTNC_RT_RETURN_IF_ERROR(r.str("alibi_slopes", s));
  for (size_t p = 0; !s.empty() && p <= s.size();) {
    size_t end = s.find(',', p);
    if (end == std::string::npos)
      end = s.size();
    double x;
    ATTNC_RT_RETURN_IF_ERROR(r.number("alibi_slopes", s.substr(p, end - p), x));
    a.alibiSlopes.push_back(float(x));
    p = end + 1;
  }

  int64_t n;
  ATTNC_RT_RETURN_IF_ERROR(r.integer("images", n, 1, 16));
  a.images.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    KernelImage &img = a.images[size_t(i)];
    std::string p = "image" + std::to_string(i) + ".";
    ATTNC_RT_RETURN_IF_ERROR(r.str(p + "arch", s));
    int64_t sm = 0;
    bool specific = !s.empty() && s.back() == 'a';
    if (s.rfind("sm_", 0) != 0 ||
        !r.parseInt(p + "arch", s.substr(3, s.size() - 3 - (specific ? 1 : 0)), sm, 30, 1000).ok())
      return r.err("'" + p + "arch' is '" + s + "', expected sm_XY or sm_XYa");
    img.sm = int(sm);
    img.archSpecific = specific;
    ATTNC_RT_RETURN_IF_ERROR(r.str(p + "kind", img.kind));
    ATTNC_RT_RETURN_IF_ERROR(r.str(p + "kernel", img.kernelName));
    if (!isIdentifier(img.kernelName))
      return r.err("'" + p + "kernel' is not a kernel name: '" + img.kernelName + "'");
    ATTNC_RT_RETURN_IF_ERROR(r.str(p + "classify", img.classifyName));
    if (v.schedule == Schedule::Runtime ? !isIdentifier(img.classifyName) : !img.classifyName.empty())
      return r.err("'" + p + "classify' is '" + img.classifyName + "' but the schedule is " +
                   scheduleName(v.schedule) + " (a run-time schedule needs exactly one classify kernel)");
    int64_t x;
    ATTNC_RT_RETURN_IF_ERROR(r.integer(p + "threads", x, 32, 1024));
    img.threads = int(x);
    ATTNC_RT_RETURN_IF_ERROR(r.integer(p + "classify_threads", x, 0, 1024));
    img.classifyThreads = int(x);
    if (v.schedule == Schedule::Runtime && img.classifyThreads < 32)
      return r.err("'" + p + "classify_threads' must be at least 32 for a run-time schedule");
    ATTNC_RT_RETURN_IF_ERROR(r.integer(p + "smem_bytes", img.smemBytes, 0, 16 << 20));
  }
  return Status::success();
}

} // namespace

std::vector<uint8_t> serializeArtifact(const Artifact &a) {
  std::vector<uint8_t> payload;
  addSection(payload, "meta", metaText(a));
  for (size_t i = 0; i < a.images.size(); ++i) {
    addSection(payload, "image" + std::to_string(i) + ".cubin", a.images[i].cubin);
    addSection(payload, "image" + std::to_string(i) + ".ptx", a.images[i].ptx);
  }
  std::vector<uint8_t> file(kArtifactMagic, kArtifactMagic + 8);
  putU32(file, kArtifactFormatVersion);
  putU32(file, ATTNC_KERNEL_ABI_VERSION);
  putU64(file, payload.size());
  file.resize(56, 0); // checksum, filled below
  putU32(file, uint32_t(1 + 2 * a.images.size()));
  putU32(file, 0);
  Sha256Digest sum = checksum(file.data(), payload.data(), payload.size());
  std::memcpy(file.data() + 24, sum.data(), 32);
  file.insert(file.end(), payload.begin(), payload.end());
  return file;
}

Result<Artifact> parseArtifact(const uint8_t *data, size_t size, const std::string &origin) {
  auto bad = [&](const std::string &msg) { return corrupt(origin + ": " + msg); };
  if (size < kArtifactHeaderBytes || std::memcmp(data, kArtifactMagic, 8) != 0) {
    if (size >= 8 && std::memcmp(data, kArtifactMagic, 8) == 0)
      return bad("truncated: " + std::to_string(size) + " bytes is shorter than the " +
                 std::to_string(kArtifactHeaderBytes) + "-byte header");
    return bad("not an attnc GPU artifact (no ATTNCGPU magic; compile one with "
               "`attnc cuda FILE --emit=artifact`)");
  }
  uint32_t format = getU32(data + 8), abi = getU32(data + 12);
  if (format != kArtifactFormatVersion)
    return unsupported(origin + ": artifact format version " + std::to_string(format) +
                       ", this runtime reads version " + std::to_string(kArtifactFormatVersion) +
                       " (recompile the artifact with a matching attnc)");
  uint64_t payloadBytes = getU64(data + 16);
  if (payloadBytes != size - kArtifactHeaderBytes)
    return bad(std::string(payloadBytes > size - kArtifactHeaderBytes ? "truncated" : "trailing bytes") +
               ": the header announces " + std::to_string(payloadBytes) + " payload bytes, the file has " +
               std::to_string(size - kArtifactHeaderBytes));
  const uint8_t *payload = data + kArtifactHeaderBytes;
  Sha256Digest sum = checksum(data, payload, size_t(payloadBytes));
  if (std::memcmp(sum.data(), data + 24, 32) != 0)
    return bad("checksum mismatch: the file is corrupt (SHA-256 " + toHex(sum) + ", header says " +
               toHex(data + 24, 32) + ")");
  if (abi != ATTNC_KERNEL_ABI_VERSION)
    return unsupported(origin + ": kernels use kernel ABI version " + std::to_string(abi) +
                       ", this runtime passes version " + std::to_string(ATTNC_KERNEL_ABI_VERSION) +
                       " (recompile the artifact with a matching attnc)");

  uint32_t count = getU32(data + 56);
  std::map<std::string, std::string> sections;
  size_t pos = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (payloadBytes - pos < 16)
      return bad("section " + std::to_string(i) + " header runs past the end of the payload");
    uint32_t nameBytes = getU32(payload + pos);
    uint64_t dataBytes = getU64(payload + pos + 8);
    pos += 16;
    if (nameBytes > 64 || payloadBytes - pos < nameBytes || payloadBytes - pos - nameBytes < dataBytes)
      return bad("section " + std::to_string(i) + " runs past the end of the payload");
    std::string name(reinterpret_cast<const char *>(payload + pos), nameBytes);
    pos += nameBytes;
    sections[name].assign(reinterpret_cast<const char *>(payload + pos), size_t(dataBytes));
    pos += size_t(dataBytes);
  }
  if (pos != payloadBytes)
    return bad(std::to_string(payloadBytes - pos) + " bytes after the last section");

  auto meta = sections.find("meta");
  if (meta == sections.end())
    return bad("no 'meta' section");
  MetaReader reader(origin);
  ATTNC_RT_RETURN_IF_ERROR(reader.load(meta->second));
  Artifact a;
  a.abiVersion = abi;
  ATTNC_RT_RETURN_IF_ERROR(parseMeta(reader, a));
  for (size_t i = 0; i < a.images.size(); ++i) {
    std::string p = "image" + std::to_string(i);
    auto cubin = sections.find(p + ".cubin"), ptx = sections.find(p + ".ptx");
    if (cubin == sections.end() || ptx == sections.end())
      return bad("image " + std::to_string(i) + " lacks its .cubin or .ptx section");
    a.images[i].cubin = std::move(cubin->second);
    a.images[i].ptx = std::move(ptx->second);
    if (a.images[i].cubin.empty() && a.images[i].ptx.empty())
      return bad("image " + std::to_string(i) + " (" + a.images[i].arch() + ") has neither CUBIN nor PTX");
  }
  return a;
}

Result<Artifact> readArtifact(const std::string &path) {
  ATTNC_RT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readFile(path));
  return parseArtifact(bytes.data(), bytes.size(), path);
}

Status writeArtifact(const std::string &path, const Artifact &a) {
  std::vector<uint8_t> bytes = serializeArtifact(a);
  return writeFileAtomic(path, {{bytes.data(), bytes.size()}});
}

static int kindRank(const std::string &kind) {
  if (kind == "wgmma_sm90")
    return 3;
  if (kind == "mma_sm80")
    return 2;
  return 1;
}

std::vector<const KernelImage *> compatibleImages(const Artifact &a, int major, int minor) {
  int cc = major * 10 + minor;
  std::vector<const KernelImage *> out;
  for (const KernelImage &img : a.images) {
    bool cubinOk = !img.cubin.empty() && (img.archSpecific ? img.sm == cc : img.sm / 10 == major && img.sm <= cc);
    bool ptxOk = !img.ptx.empty() && (img.archSpecific ? img.sm == cc : img.sm <= cc);
    if (cubinOk || ptxOk)
      out.push_back(&img);
  }
  std::stable_sort(out.begin(), out.end(), [](const KernelImage *x, const KernelImage *y) {
    if (kindRank(x->kind) != kindRank(y->kind))
      return kindRank(x->kind) > kindRank(y->kind);
    return x->sm > y->sm;
  });
  return out;
}

std::string describeArtifact(const Artifact &a) {
  std::string s = "artifact '" + a.name + "' (kernel ABI " + std::to_string(a.abiVersion) + ", " + a.producer +
                  ")\n  variant: " + describe(a.variant) + "\n  static dims: ";
  auto dim = [](int64_t d) { return d < 0 ? std::string("?") : std::to_string(d); };
  s += "b=" + dim(a.dims.batch) + " hq=" + dim(a.dims.qHeads) + " hk=" + dim(a.dims.kvHeads) +
       " lq=" + dim(a.dims.qLen) + " lk=" + dim(a.dims.kvLen) + "\n";
  if (!a.alibiSlopes.empty())
    s += "  alibi slopes: " + std::to_string(a.alibiSlopes.size()) + " constants\n";
  for (const KernelImage &img : a.images) {
    s += "  image " + img.arch() + " " + img.kind + ": " + img.kernelName + " (" + std::to_string(img.threads) +
         " threads, " + std::to_string(img.smemBytes) + " B shared)";
    if (!img.classifyName.empty())
      s += ", " + img.classifyName + " (" + std::to_string(img.classifyThreads) + " threads)";
    s += ", cubin " + std::to_string(img.cubin.size()) + " B, ptx " + std::to_string(img.ptx.size()) + " B\n";
  }
  return s;
}

} // namespace attnc::rt::gpu
