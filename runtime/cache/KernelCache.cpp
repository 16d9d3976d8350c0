//===- KernelCache.cpp - In-memory and on-disk compiled-kernel cache ------===//
//
// One Slot per key tracks "being produced / ready / failed" so concurrent
// getOrCompute calls for one key share a single compile: the first caller
// owns the slot and produces the payload (disk read, else compile), the
// others block on the slot's condition variable. Failed slots are dropped
// from the map so a later call retries instead of caching the error.
//
//===----------------------------------------------------------------------===//
#include "runtime/cache/KernelCache.h"

#include "runtime/core/File.h"
#include "runtime/core/Sha256.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace attnc::rt {

namespace {
constexpr char kMagic[8] = {'A', 'T', 'T', 'N', 'C', 'K', 'C', '1'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kFixedHeader = 8 + 4 + 4 + 8 + 32;

void putLE(KernelBlob &out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(uint8_t(v >> (8 * i)));
}

uint64_t getLE(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}
} // namespace

struct KernelCache::Slot {
  enum State { Pending, Ready, Failed };
  std::mutex mutex;
  std::condition_variable changed;
  State state = Pending;
  KernelBlobRef blob;
  Status failure;

  void publish(State s, KernelBlobRef b, Status st) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      state = s;
      blob = std::move(b);
      failure = std::move(st);
    }
    changed.notify_all();
  }
  /// Blocks until the owner publishes; returns the payload or the failure.
  Result<KernelBlobRef> wait() {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return state != Pending; });
    if (state == Ready)
      return blob;
    return failure;
  }
};

void defaultWarningHandler(const std::string &message) {
  std::fprintf(stderr, "attnc: warning: %s\n", message.c_str());
}

KernelBlob encodeCacheEntry(const std::string &key, const KernelBlob &payload) {
  KernelBlob out(kMagic, kMagic + 8);
  out.reserve(kFixedHeader + key.size() + payload.size());
  putLE(out, kFormatVersion, 4);
  putLE(out, key.size(), 4);
  putLE(out, payload.size(), 8);
  Sha256Digest digest = Sha256::hash(payload.data(), payload.size());
  out.insert(out.end(), digest.begin(), digest.end());
  out.insert(out.end(), key.begin(), key.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<KernelBlob> decodeCacheEntry(const std::string &key, const uint8_t *data,
                                    size_t size) {
  if (size < kFixedHeader)
    return corrupt("entry is " + std::to_string(size) +
                   " bytes, shorter than its header");
  if (std::memcmp(data, kMagic, 8) != 0)
    return corrupt("bad magic");
  uint64_t version = getLE(data + 8, 4);
  if (version != kFormatVersion)
    return corrupt("format version " + std::to_string(version) +
                   ", expected " + std::to_string(kFormatVersion));
  uint64_t keyLen = getLE(data + 12, 4);
  uint64_t payloadSize = getLE(data + 16, 8);
  const uint8_t *digest = data + 24;
  size_t rest = size - kFixedHeader;
  if (keyLen != key.size() || keyLen > rest ||
      std::memcmp(data + kFixedHeader, key.data(), key.size()) != 0)
    return corrupt("entry belongs to a different key");
  rest -= keyLen;
  if (payloadSize != rest)
    return corrupt("payload is " + std::to_string(rest) + " bytes, header says " +
                   std::to_string(payloadSize) +
                   (rest < payloadSize ? " (truncated)" : ""));
  const uint8_t *payload = data + kFixedHeader + keyLen;
  Sha256Digest actual = Sha256::hash(payload, rest);
  if (std::memcmp(actual.data(), digest, 32) != 0)
    return corrupt("payload checksum mismatch");
  return KernelBlob(payload, payload + rest);
}

std::string KernelCache::defaultCacheDirectory() {
  if (const char *dir = std::getenv("ATTNC_CACHE_DIR"); dir && *dir)
    return dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/attnc";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/attnc";
  return "/tmp/attnc-cache";
}

Status KernelCache::validateKey(const std::string &key) {
  bool hex = !key.empty();
  for (char c : key)
    hex &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  if (!hex || key.size() < 16 || key.size() > 128)
    return invalidArgument("kernel cache key '" + key +
                           "' is not 16 to 128 lower-case hex digits");
  return Status::success();
}

KernelCache::KernelCache(KernelCacheOptions options)
    : directory_(options.directory.empty() ? defaultCacheDirectory()
                                           : options.directory),
      useDisk_(options.useDisk),
      onWarning_(options.onWarning ? std::move(options.onWarning)
                                   : WarningHandler(defaultWarningHandler)) {}

KernelCache::~KernelCache() = default;

std::string KernelCache::entryPath(const std::string &key) const {
  return directory_ + "/" + key.substr(0, 2) + "/" + key + ".kernel";
}

void KernelCache::warn(const std::string &message) { onWarning_(message); }

Result<KernelBlobRef> KernelCache::readDisk(const std::string &key) {
  if (!useDisk_)
    return notFound("kernel cache is memory-only");
  std::string path = entryPath(key);
  Result<std::vector<uint8_t>> bytes = readFile(path);
  if (!bytes.ok()) {
    if (bytes.status().code() != StatusCode::NotFound)
      warn("cannot read kernel cache entry: " + bytes.status().message());
    return bytes.status();
  }
  Result<KernelBlob> payload = decodeCacheEntry(key, bytes->data(), bytes->size());
  if (!payload.ok()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.corruptEntries;
    }
    warn("ignoring corrupt kernel cache entry '" + path +
         "': " + payload.status().message() + "; it will be recompiled");
    return payload.status();
  }
  return std::make_shared<const KernelBlob>(payload.take());
}

void KernelCache::writeDisk(const std::string &key, const KernelBlob &payload) {
  if (!useDisk_)
    return;
  std::string path = entryPath(key);
  Status st = createDirectories(path.substr(0, path.rfind('/')));
  if (st.ok()) {
    KernelBlob entry = encodeCacheEntry(key, payload);
    st = writeFileAtomic(path, {{entry.data(), entry.size()}});
  }
  if (!st.ok()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.diskWriteFailures;
    }
    warn("cannot write kernel cache entry (kept in memory only): " +
         st.message());
  }
}

Result<KernelBlobRef> KernelCache::lookup(const std::string &key) {
  ATTNC_RT_RETURN_IF_ERROR(validateKey(key));
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = slots_.find(key);
    if (it != slots_.end())
      slot = it->second;
  }
  if (slot) {
    Result<KernelBlobRef> r = slot->wait();
    if (r.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.memoryHits;
      return r;
    }
  }
  Result<KernelBlobRef> disk = readDisk(key);
  if (!disk.ok())
    return notFound("kernel '" + key + "' is not cached");
  auto ready = std::make_shared<Slot>();
  ready->state = Slot::Ready;
  ready->blob = *disk;
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.diskHits;
  slots_.emplace(key, ready); // Keeps an existing slot if one raced in.
  return disk;
}

Status KernelCache::store(const std::string &key, KernelBlob payload) {
  ATTNC_RT_RETURN_IF_ERROR(validateKey(key));
  auto ready = std::make_shared<Slot>();
  ready->state = Slot::Ready;
  ready->blob = std::make_shared<const KernelBlob>(std::move(payload));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    slots_[key] = ready;
  }
  writeDisk(key, *ready->blob);
  return Status::success();
}

Result<KernelBlobRef> KernelCache::getOrCompute(const std::string &key,
                                                const CompileFn &compileFn) {
  ATTNC_RT_RETURN_IF_ERROR(validateKey(key));
  std::shared_ptr<Slot> slot;
  bool owner = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::shared_ptr<Slot> &entry = slots_[key];
    if (!entry) {
      entry = std::make_shared<Slot>();
      owner = true;
    }
    slot = entry;
  }
  if (!owner) {
    Result<KernelBlobRef> r = slot->wait();
    if (r.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.memoryHits;
    }
    return r;
  }

  // This thread owns the slot: produce the payload, then wake the waiters.
  Result<KernelBlobRef> disk = readDisk(key);
  if (disk.ok()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.diskHits;
    }
    slot->publish(Slot::Ready, *disk, Status());
    return disk;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.compiles;
  }
  Result<KernelBlob> compiled = compileFn();
  if (!compiled.ok()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.failedCompiles;
      auto it = slots_.find(key);
      if (it != slots_.end() && it->second == slot)
        slots_.erase(it);
    }
    slot->publish(Slot::Failed, nullptr, compiled.status());
    return compiled.status();
  }
  auto blob = std::make_shared<const KernelBlob>(compiled.take());
  // Waiters need only the memory copy; let them go before the disk write.
  slot->publish(Slot::Ready, blob, Status());
  writeDisk(key, *blob);
  return KernelBlobRef(blob);
}

void KernelCache::clearMemory() {
  std::lock_guard<std::mutex> lock(mutex_);
  // Pending slots stay: their owners will publish into them.
  for (auto it = slots_.begin(); it != slots_.end();) {
    std::lock_guard<std::mutex> slotLock(it->second->mutex);
    it = it->second->state == Slot::Pending ? std::next(it) : slots_.erase(it);
  }
}

KernelCacheStats KernelCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

} // namespace attnc::rt
