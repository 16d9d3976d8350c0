//===- Safetensors.h - Memory-mapped safetensors weights ---------*- C++ -*-===//
//
// Model weights arrive as .safetensors files (the Hugging Face format:
// u64 header length, JSON header, raw little-endian tensor bytes). The
// reader maps the file and validates the whole header up front, because the
// file is untrusted input: header length (at most 100 MB), JSON syntax,
// dtype names (F64/F32/F16/BF16/I64/I32/I8/U8/BOOL), shapes, offsets inside
// the data section, byte length == elements x dtype size, no two tensors
// overlapping, no duplicate names. Every failure names the file, the tensor
// and the problem; nothing crashes.
//
// Views point into the read-only mapping and live as long as the
// SafetensorsFile; their data may be misaligned for the dtype when another
// writer did not pad the header, so kernels that need alignment use load(),
// which copies into a 64-byte aligned HostTensor.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_WEIGHTS_SAFETENSORS_H
#define ATTNC_RUNTIME_WEIGHTS_SAFETENSORS_H

#include "runtime/core/File.h"
#include "runtime/core/Status.h"
#include "runtime/core/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace attnc::rt {

constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

struct SafetensorsEntry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  /// Byte range [begin, end) relative to the start of the data section.
  uint64_t begin = 0, end = 0;
};

class SafetensorsFile {
public:
  /// Maps and validates `path`.
  static Result<SafetensorsFile> open(const std::string &path);
  /// Validates an in-memory image (kept alive by the caller for the
  /// lifetime of the returned object). `name` labels messages.
  static Result<SafetensorsFile> parse(const uint8_t *data, size_t size,
                                       const std::string &name);

  /// Entries sorted by name.
  const std::vector<SafetensorsEntry> &tensors() const { return entries_; }
  /// The optional "__metadata__" string map.
  const std::map<std::string, std::string> &metadata() const { return metadata_; }
  /// nullptr if absent.
  const SafetensorsEntry *find(const std::string &name) const;

  /// A read-only view into the mapping (NotFound if absent). Do not write
  /// through it: the mapping is PROT_READ.
  Result<TensorView> view(const std::string &name) const;
  /// An aligned, owned copy.
  Result<HostTensor> load(const std::string &name) const;

private:
  MappedFile file_;
  std::string name_;
  const uint8_t *dataSection_ = nullptr;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

/// Writes tensors (any strides; stored contiguous, widest element type
/// first so that every tensor is aligned for its type) and metadata as a
/// safetensors file, atomically. Names must be unique and
/// non-empty; "__metadata__" is reserved.
Status writeSafetensors(
    const std::string &path,
    const std::vector<std::pair<std::string, TensorView>> &tensors,
    const std::map<std::string, std::string> &metadata = {});

/// "F32" etc.; nullptr for dtypes safetensors cannot name.
const char *safetensorsDTypeName(DType t);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_WEIGHTS_SAFETENSORS_H
