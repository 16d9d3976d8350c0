//===- File.h - Whole-file reads, atomic writes and read-only maps -*- C++ -*-===//
//
// The three file idioms the runtime needs, shared by .npy, the kernel cache
// and safetensors: read a small file whole, publish a file atomically (write a
// unique temp file in the same directory, then rename(2), so readers and
// concurrent writers never see a partial file), and map a large file
// read-only. POSIX only; every failure names the path and errno text.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CORE_FILE_H
#define ATTNC_RUNTIME_CORE_FILE_H

#include "runtime/core/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attnc::rt {

/// Reads the whole file. NotFound if it does not exist, IoError otherwise.
Result<std::vector<uint8_t>> readFile(const std::string &path);

/// Writes `chunks` (concatenated) to `path` atomically: readers see either
/// the old file or the complete new one. Creates no directories.
Status writeFileAtomic(const std::string &path,
                       const std::vector<std::pair<const void *, size_t>> &chunks);

/// `mkdir -p`.
Status createDirectories(const std::string &path);

/// A read-only private mapping of a whole file. Move-only; unmaps on
/// destruction. An empty file maps to (nullptr, 0).
class MappedFile {
public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  static Result<MappedFile> open(const std::string &path);

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }

private:
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CORE_FILE_H
