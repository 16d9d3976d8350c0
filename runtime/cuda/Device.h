//===- Device.h - CUDA contexts, memory, modules, launches, events -*- C++ -*-===//
//
// Thin RAII owners over driver handles, for the GPU attention launcher and
// attnc-run. Each object keeps its Context alive (shared_ptr), and every
// call first makes that context current on the calling thread, so objects
// may be used from any thread without the caller managing cuCtxSetCurrent.
// Errors come back as Status (OutOfMemory for allocation failures,
// InvalidArgument for launches the device cannot run, DeviceError for the
// rest); destructors release quietly.
//
// Typical use:
//   auto ctx = Context::create(0);                 // primary context
//   auto mod = Module::load(*ctx, cubinBytes);     // CUBIN, fatbin or PTX
//   auto fn  = mod->getKernel("attn_fwd");
//   auto q   = DeviceBuffer::allocate(*ctx, bytes); q->copyFromHost(host, bytes);
//   void *args[] = {&qPtr, ...};
//   fn->launch({{gx, gy, gz}, {128, 1, 1}, smemBytes}, args, &stream);
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUDA_DEVICE_H
#define ATTNC_RUNTIME_CUDA_DEVICE_H

#include "runtime/cuda/Driver.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace attnc::rt::cuda {

/// The primary context of one device (shared with any other library in the
/// process that uses the runtime API).
class Context {
public:
  /// Retains device `ordinal`'s primary context, using Driver::global()
  /// unless a driver is given.
  static Result<std::shared_ptr<Context>>
  create(int ordinal = 0, std::shared_ptr<Driver> driver = nullptr);
  ~Context();
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  /// Binds the context to the calling thread.
  Status makeCurrent() const;
  Status synchronize() const;
  /// (free, total) device memory in bytes.
  Result<std::pair<size_t, size_t>> memoryInfo() const;

  const DeviceInfo &device() const { return info_; }
  const Driver &driver() const { return *driver_; }
  CUcontext raw() const { return ctx_; }
  /// Driver::check through this context's driver.
  Status check(CUresult r, const std::string &what) const {
    return driver_->check(r, what);
  }

private:
  Context() = default;
  std::shared_ptr<Driver> driver_;
  DeviceInfo info_;
  CUdevice device_ = 0;
  CUcontext ctx_ = nullptr;
};

/// Device memory. Move-only; freed on destruction.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;

  /// OutOfMemory (with the size and the device's free memory) on failure.
  /// Zero bytes gives an empty buffer with a null pointer.
  static Result<DeviceBuffer> allocate(const std::shared_ptr<Context> &ctx,
                                       size_t bytes);

  CUdeviceptr ptr() const { return ptr_; }
  size_t size() const { return size_; }

  // Synchronous copies (bounds-checked against size()).
  Status copyFromHost(const void *src, size_t bytes, size_t offset = 0);
  Status copyToHost(void *dst, size_t bytes, size_t offset = 0) const;
  /// Fills with a byte / a 32-bit pattern (e.g. 0x7fc00000 = f32 NaN, to
  /// poison outputs before a kernel runs).
  Status fillBytes(uint8_t value);
  Status fill32(uint32_t pattern);

private:
  std::shared_ptr<Context> ctx_;
  CUdeviceptr ptr_ = 0;
  size_t size_ = 0;
};

class Stream {
public:
  Stream() = default;
  ~Stream();
  Stream(Stream &&other) noexcept;
  Stream &operator=(Stream &&other) noexcept;
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  /// A non-blocking stream (does not synchronise with the legacy stream).
  static Result<Stream> create(const std::shared_ptr<Context> &ctx);
  Status synchronize() const;
  CUstream raw() const { return stream_; }

private:
  std::shared_ptr<Context> ctx_;
  CUstream stream_ = nullptr;
};

/// Timing events: record two on a stream, then elapsedMs(start, end).
class Event {
public:
  Event() = default;
  ~Event();
  Event(Event &&other) noexcept;
  Event &operator=(Event &&other) noexcept;
  Event(const Event &) = delete;
  Event &operator=(const Event &) = delete;

  static Result<Event> create(const std::shared_ptr<Context> &ctx);
  /// Records on `stream` (null: the legacy default stream).
  Status record(const Stream *stream = nullptr);
  Status synchronize() const;
  /// Milliseconds between two recorded events (waits for `end`).
  static Result<float> elapsedMs(const Event &start, const Event &end);
  CUevent raw() const { return event_; }

private:
  std::shared_ptr<Context> ctx_;
  CUevent event_ = nullptr;
};

struct LaunchConfig {
  std::array<unsigned, 3> grid{1, 1, 1};
  std::array<unsigned, 3> block{1, 1, 1};
  unsigned dynamicSharedBytes = 0;
};

class Module;

/// A kernel in a loaded module. Cheap to copy; valid while its Module lives.
class Kernel {
public:
  const std::string &name() const { return name_; }
  CUfunction raw() const { return fn_; }

  Result<int> attribute(CUfunction_attribute attr) const;
  /// Allows up to `bytes` of dynamic shared memory (needed above 48 KiB).
  Status setMaxDynamicSharedMemory(unsigned bytes);
  /// Validates the configuration against the device (threads per block,
  /// opt-in shared memory, non-zero grid), raises the dynamic shared memory
  /// limit when needed, and launches. `params` is cuLaunchKernel's
  /// kernelParams: one pointer per kernel argument.
  Status launch(const LaunchConfig &config, void **params,
                const Stream *stream = nullptr);

private:
  friend class Module;
  std::shared_ptr<Context> ctx_;
  CUfunction fn_ = nullptr;
  std::string name_;
  unsigned dynamicSharedLimit_ = 48 * 1024;
};

class Module {
public:
  Module() = default;
  ~Module();
  Module(Module &&other) noexcept;
  Module &operator=(Module &&other) noexcept;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  /// Loads a CUBIN, fatbinary or PTX image. PTX is JIT-compiled by the
  /// driver; its error log is part of the returned message.
  static Result<Module> load(const std::shared_ptr<Context> &ctx,
                             const void *image, size_t size);
  /// NotFound if the module has no kernel of that name.
  Result<Kernel> getKernel(const std::string &name) const;
  CUmodule raw() const { return module_; }

private:
  std::shared_ptr<Context> ctx_;
  CUmodule module_ = nullptr;
};

} // namespace attnc::rt::cuda

#endif // ATTNC_RUNTIME_CUDA_DEVICE_H
