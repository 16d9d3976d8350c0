//===- File.cpp - Whole-file reads, atomic writes and read-only maps ------===//
//
// POSIX implementations. Temp names include the pid and a process-wide
// counter so that threads and processes writing the same destination never
// share a temp file (O_EXCL makes a collision an error, not a corruption); the last rename wins, which is fine because writers of one
// destination write identical bytes (cache entries are content-addressed).
//
//===----------------------------------------------------------------------===//
#include "runtime/core/File.h"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attnc::rt {

static std::string errnoText(int err) { return std::strerror(err); }

static Status openError(const std::string &what, const std::string &path,
                        int err) {
  std::string msg = "cannot " + what + " '" + path + "': " + errnoText(err);
  return err == ENOENT || err == ENOTDIR ? notFound(msg) : ioError(msg);
}

Result<std::vector<uint8_t>> readFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return openError("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return openError("stat", path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return ioError("cannot read '" + path + "': it is a directory");
  }
  std::vector<uint8_t> bytes;
  bytes.reserve(size_t(st.st_size));
  uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return openError("read", path, err);
    }
    if (n == 0)
      break;
    bytes.insert(bytes.end(), buf, buf + n);
  }
  ::close(fd);
  return bytes;
}

static bool writeAll(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= size_t(n);
  }
  return true;
}

Status writeFileAtomic(
    const std::string &path,
    const std::vector<std::pair<const void *, size_t>> &chunks) {
  static std::atomic<uint64_t> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return openError("create", tmp, errno);
  for (const auto &[data, size] : chunks) {
    if (!writeAll(fd, data, size)) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return openError("write", tmp, err);
    }
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return openError("write", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ioError("cannot rename '" + tmp + "' to '" + path +
                   "': " + errnoText(err));
  }
  return Status::success();
}

Status createDirectories(const std::string &path) {
  if (path.empty())
    return invalidArgument("empty directory path");
  std::string prefix;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    prefix = path.substr(0, pos);
    if (prefix.empty())
      continue;
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return ioError("cannot create directory '" + prefix +
                     "': " + errnoText(errno));
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return ioError("'" + path + "' exists but is not a directory");
  return Status::success();
}

MappedFile::~MappedFile() {
  if (data_)
    ::munmap(const_cast<uint8_t *>(data_), size_);
}

MappedFile::MappedFile(MappedFile &&other) noexcept
    : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept {
  if (this != &other) {
    if (data_)
      ::munmap(const_cast<uint8_t *>(data_), size_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

Result<MappedFile> MappedFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return openError("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return openError("stat", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return ioError("cannot map '" + path + "': not a regular file");
  }
  MappedFile f;
  f.size_ = size_t(st.st_size);
  if (f.size_ > 0) {
    void *p = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      f.size_ = 0;
      return openError("map", path, err);
    }
    f.data_ = static_cast<const uint8_t *>(p);
  }
  ::close(fd); // The mapping keeps the file alive.
  return f;
}

} // namespace attnc::rt
