//===- Device.cpp - CUDA contexts, memory, modules, launches, events ------===//
//
// RAII wrappers. Every driver call is preceded by makeCurrent() because
// CUDA binds contexts per thread and callers (the CPU thread pool, test
// threads) may use one object from several threads.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/Device.h"

#include <cstring>
#include <utility>

namespace attnc::rt::cuda {

//===----------------------------------------------------------------------===//
// Context
//===----------------------------------------------------------------------===//

Result<std::shared_ptr<Context>> Context::create(int ordinal,
                                                 std::shared_ptr<Driver> driver) {
  if (!driver) {
    ATTNC_RT_ASSIGN_OR_RETURN(driver, Driver::global());
  }
  ATTNC_RT_ASSIGN_OR_RETURN(DeviceInfo info, driver->deviceInfo(ordinal));
  std::shared_ptr<Context> ctx(new Context());
  ctx->driver_ = std::move(driver);
  ctx->info_ = std::move(info);
  const DriverApi &api = ctx->driver_->api();
  ATTNC_RT_RETURN_IF_ERROR(ctx->check(api.cuDeviceGet(&ctx->device_, ordinal),
                                      "cuDeviceGet"));
  ATTNC_RT_RETURN_IF_ERROR(ctx->check(
      api.cuDevicePrimaryCtxRetain(&ctx->ctx_, ctx->device_),
      "cuDevicePrimaryCtxRetain"));
  ATTNC_RT_RETURN_IF_ERROR(ctx->makeCurrent());
  return ctx;
}

Context::~Context() {
  if (ctx_)
    driver_->api().cuDevicePrimaryCtxRelease(device_);
}

Status Context::makeCurrent() const {
  return check(driver_->api().cuCtxSetCurrent(ctx_), "cuCtxSetCurrent");
}

Status Context::synchronize() const {
  ATTNC_RT_RETURN_IF_ERROR(makeCurrent());
  return check(driver_->api().cuCtxSynchronize(), "cuCtxSynchronize");
}

Result<std::pair<size_t, size_t>> Context::memoryInfo() const {
  ATTNC_RT_RETURN_IF_ERROR(makeCurrent());
  size_t free = 0, total = 0;
  ATTNC_RT_RETURN_IF_ERROR(
      check(driver_->api().cuMemGetInfo(&free, &total), "cuMemGetInfo"));
  return std::make_pair(free, total);
}

//===----------------------------------------------------------------------===//
// DeviceBuffer
//===----------------------------------------------------------------------===//

Result<DeviceBuffer> DeviceBuffer::allocate(const std::shared_ptr<Context> &ctx,
                                            size_t bytes) {
  DeviceBuffer buf;
  buf.ctx_ = ctx;
  if (bytes == 0)
    return buf;
  ATTNC_RT_RETURN_IF_ERROR(ctx->makeCurrent());
  CUresult r = ctx->driver().api().cuMemAlloc(&buf.ptr_, bytes);
  if (r != CUDA_SUCCESS) {
    std::string what = "cuMemAlloc(" + std::to_string(bytes) + " bytes)";
    if (r == CUDA_ERROR_OUT_OF_MEMORY) {
      if (Result<std::pair<size_t, size_t>> mem = ctx->memoryInfo(); mem.ok())
        what += " with " + std::to_string(mem->first) + " of " +
                std::to_string(mem->second) + " bytes free";
    }
    buf.ptr_ = 0;
    return ctx->check(r, what);
  }
  buf.size_ = bytes;
  return buf;
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ && ctx_->makeCurrent().ok())
    ctx_->driver().api().cuMemFree(ptr_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : ctx_(std::move(other.ctx_)), ptr_(std::exchange(other.ptr_, 0)),
      size_(std::exchange(other.size_, 0)) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    DeviceBuffer dying(std::move(*this));
    ctx_ = std::move(other.ctx_);
    ptr_ = std::exchange(other.ptr_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

static Status checkRange(size_t offset, size_t bytes, size_t size,
                         const char *what) {
  if (offset > size || bytes > size - offset)
    return invalidArgument(std::string(what) + " of " + std::to_string(bytes) +
                           " bytes at offset " + std::to_string(offset) +
                           " overruns a " + std::to_string(size) +
                           "-byte device buffer");
  return Status::success();
}

Status DeviceBuffer::copyFromHost(const void *src, size_t bytes, size_t offset) {
  ATTNC_RT_RETURN_IF_ERROR(checkRange(offset, bytes, size_, "host-to-device copy"));
  if (bytes == 0)
    return Status::success();
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  return ctx_->check(ctx_->driver().api().cuMemcpyHtoD(ptr_ + offset, src, bytes),
                     "cuMemcpyHtoD");
}

Status DeviceBuffer::copyToHost(void *dst, size_t bytes, size_t offset) const {
  ATTNC_RT_RETURN_IF_ERROR(checkRange(offset, bytes, size_, "device-to-host copy"));
  if (bytes == 0)
    return Status::success();
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  return ctx_->check(ctx_->driver().api().cuMemcpyDtoH(dst, ptr_ + offset, bytes),
                     "cuMemcpyDtoH");
}

Status DeviceBuffer::fillBytes(uint8_t value) {
  if (size_ == 0)
    return Status::success();
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  return ctx_->check(ctx_->driver().api().cuMemsetD8(ptr_, value, size_),
                     "cuMemsetD8");
}

Status DeviceBuffer::fill32(uint32_t pattern) {
  if (size_ % 4)
    return invalidArgument("fill32 needs a size that is a multiple of 4, got " +
                           std::to_string(size_));
  if (size_ == 0)
    return Status::success();
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  return ctx_->check(ctx_->driver().api().cuMemsetD32(ptr_, pattern, size_ / 4),
                     "cuMemsetD32");
}

//===----------------------------------------------------------------------===//
// Stream and Event
//===----------------------------------------------------------------------===//

Result<Stream> Stream::create(const std::shared_ptr<Context> &ctx) {
  Stream s;
  s.ctx_ = ctx;
  ATTNC_RT_RETURN_IF_ERROR(ctx->makeCurrent());
  ATTNC_RT_RETURN_IF_ERROR(ctx->check(
      ctx->driver().api().cuStreamCreate(&s.stream_, CU_STREAM_NON_BLOCKING),
      "cuStreamCreate"));
  return s;
}

Stream::~Stream() {
  if (stream_ && ctx_->makeCurrent().ok())
    ctx_->driver().api().cuStreamDestroy(stream_);
}

Stream::Stream(Stream &&other) noexcept
    : ctx_(std::move(other.ctx_)), stream_(std::exchange(other.stream_, nullptr)) {}

Stream &Stream::operator=(Stream &&other) noexcept {
  if (this != &other) {
    Stream dying(std::move(*this));
    ctx_ = std::move(other.ctx_);
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

Status Stream::synchronize() const {
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  return ctx_->check(ctx_->driver().api().cuStreamSynchronize(stream_),
                     "cuStreamSynchronize");
}

Result<Event> Event::create(const std::shared_ptr<Context> &ctx) {
  Event e;
  e.ctx_ = ctx;
  ATTNC_RT_RETURN_IF_ERROR(ctx->makeCurrent());
  ATTNC_RT_RETURN_IF_ERROR(ctx->check(
      ctx->driver().api().cuEventCreate(&e.event_, CU_EVENT_DEFAULT),
      "cuEventCreate"));
  return e;
}

Event::~Event() {
  if (event_ && ctx_->makeCurrent().ok())
    ctx_->driver().api().cuEventDestroy(event_);
}

Event::Event(Event &&other) noexcept
    : ctx_(std::move(other.ctx_)), event_(std::exchange(other.event_, nullptr)) {}

Event &Event::operator=(Event &&other) noexcept {
  if (this != &other) {
    Event dying(std::move(*this));
    ctx_ = std::move(other.ctx_);
    event_ = std::exchange(other.event_, nullptr);
  }
  return *this;
}

Status Event::record(const Stream *stream) {
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  return ctx_->check(
      ctx_->driver().api().cuEventRecord(event_, stream ? stream->raw() : nullptr),
      "cuEventRecord");
}

Status Event::synchronize() const {
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  return ctx_->check(ctx_->driver().api().cuEventSynchronize(event_),
                     "cuEventSynchronize");
}

Result<float> Event::elapsedMs(const Event &start, const Event &end) {
  if (!start.event_ || !end.event_)
    return invalidArgument("elapsedMs needs two created events");
  ATTNC_RT_RETURN_IF_ERROR(end.synchronize());
  float ms = 0;
  ATTNC_RT_RETURN_IF_ERROR(end.ctx_->check(
      end.ctx_->driver().api().cuEventElapsedTime(&ms, start.event_, end.event_),
      "cuEventElapsedTime"));
  return ms;
}

//===----------------------------------------------------------------------===//
// Module and Kernel
//===----------------------------------------------------------------------===//

Result<Module> Module::load(const std::shared_ptr<Context> &ctx,
                            const void *image, size_t size) {
  if (!image || size == 0)
    return invalidArgument("empty CUDA module image");
  // PTX is text and must be NUL-terminated; CUBIN/fatbin start with an ELF
  // or fatbin magic and carry their own size.
  std::string ptx;
  const auto *bytes = static_cast<const unsigned char *>(image);
  bool isElf = size >= 4 && std::memcmp(bytes, "\x7f" "ELF", 4) == 0;
  bool isFatbin = size >= 4 && bytes[0] == 0x50 && bytes[1] == 0xed &&
                  bytes[2] == 0x55 && bytes[3] == 0xba;
  if (!isElf && !isFatbin && bytes[size - 1] != '\0') {
    ptx.assign(static_cast<const char *>(image), size);
    image = ptx.c_str();
  }
  ATTNC_RT_RETURN_IF_ERROR(ctx->makeCurrent());
  char errorLog[8192] = {};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {errorLog,
                    reinterpret_cast<void *>(uintptr_t(sizeof(errorLog) - 1))};
  Module m;
  m.ctx_ = ctx;
  CUresult r =
      ctx->driver().api().cuModuleLoadDataEx(&m.module_, image, 2, options, values);
  if (r != CUDA_SUCCESS) {
    m.module_ = nullptr;
    std::string what = std::string("loading a ") +
                       (isElf ? "CUBIN" : isFatbin ? "fatbin" : "PTX") +
                       " module for " + ctx->device().smArch();
    Status st = ctx->check(r, what);
    if (errorLog[0])
      st = Status(st.code(), st.message() + "\n" + errorLog);
    return st;
  }
  return m;
}

Module::~Module() {
  if (module_ && ctx_->makeCurrent().ok())
    ctx_->driver().api().cuModuleUnload(module_);
}

Module::Module(Module &&other) noexcept
    : ctx_(std::move(other.ctx_)), module_(std::exchange(other.module_, nullptr)) {}

Module &Module::operator=(Module &&other) noexcept {
  if (this != &other) {
    Module dying(std::move(*this));
    ctx_ = std::move(other.ctx_);
    module_ = std::exchange(other.module_, nullptr);
  }
  return *this;
}

Result<Kernel> Module::getKernel(const std::string &name) const {
  if (!module_)
    return invalidArgument("getKernel on an unloaded module");
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  Kernel k;
  k.ctx_ = ctx_;
  k.name_ = name;
  CUresult r = ctx_->driver().api().cuModuleGetFunction(&k.fn_, module_, name.c_str());
  if (r == CUDA_ERROR_NOT_FOUND)
    return notFound("the CUDA module has no kernel named '" + name + "'");
  ATTNC_RT_RETURN_IF_ERROR(ctx_->check(r, "cuModuleGetFunction('" + name + "')"));
  return k;
}

Result<int> Kernel::attribute(CUfunction_attribute attr) const {
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  int v = 0;
  ATTNC_RT_RETURN_IF_ERROR(ctx_->check(
      ctx_->driver().api().cuFuncGetAttribute(&v, attr, fn_),
      "cuFuncGetAttribute(" + name_ + ")"));
  return v;
}

Status Kernel::setMaxDynamicSharedMemory(unsigned bytes) {
  const DeviceInfo &dev = ctx_->device();
  if (bytes > unsigned(dev.maxSharedMemoryPerBlockOptin))
    return invalidArgument("kernel '" + name_ + "' needs " +
                           std::to_string(bytes) +
                           " bytes of shared memory; " + dev.name + " allows " +
                           std::to_string(dev.maxSharedMemoryPerBlockOptin));
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  ATTNC_RT_RETURN_IF_ERROR(ctx_->check(
      ctx_->driver().api().cuFuncSetAttribute(
          fn_, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, int(bytes)),
      "cuFuncSetAttribute(" + name_ + ", max dynamic shared memory)"));
  dynamicSharedLimit_ = bytes;
  return Status::success();
}

Status Kernel::launch(const LaunchConfig &config, void **params,
                      const Stream *stream) {
  const DeviceInfo &dev = ctx_->device();
  const auto &g = config.grid, &b = config.block;
  if (!g[0] || !g[1] || !g[2] || !b[0] || !b[1] || !b[2])
    return invalidArgument("launch of '" + name_ + "' with an empty grid or block");
  uint64_t threads = uint64_t(b[0]) * b[1] * b[2];
  if (threads > uint64_t(dev.maxThreadsPerBlock))
    return invalidArgument("launch of '" + name_ + "' with " +
                           std::to_string(threads) + " threads per block; " +
                           dev.name + " allows " +
                           std::to_string(dev.maxThreadsPerBlock));
  if (config.dynamicSharedBytes > dynamicSharedLimit_)
    ATTNC_RT_RETURN_IF_ERROR(setMaxDynamicSharedMemory(config.dynamicSharedBytes));
  ATTNC_RT_RETURN_IF_ERROR(ctx_->makeCurrent());
  return ctx_->check(
      ctx_->driver().api().cuLaunchKernel(fn_, g[0], g[1], g[2], b[0], b[1], b[2],
                                          config.dynamicSharedBytes,
                                          stream ? stream->raw() : nullptr,
                                          params, nullptr),
      "cuLaunchKernel('" + name_ + "', grid " + std::to_string(g[0]) + "x" +
          std::to_string(g[1]) + "x" + std::to_string(g[2]) + ", block " +
          std::to_string(b[0]) + "x" + std::to_string(b[1]) + "x" +
          std::to_string(b[2]) + ", " +
          std::to_string(config.dynamicSharedBytes) + " B shared)");
}

} // namespace attnc::rt::cuda
