//===- AotKernelWriter.cpp - Save a plan's attention kernels --------------===//
//
// See AotKernelWriter.h. Both files are written under temporary names and
// renamed into place, the manifest last, so an interrupted save never
// leaves a manifest that describes a half-written library.
//
//===----------------------------------------------------------------------===//
#include "compiler/Plan/AotKernelWriter.h"

#include "runtime/cpu/KernelManifest.h"
#include "runtime/model/AotKernels.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cstdlib>
#include <optional>

#ifdef ATTNC_PLAN_HAVE_CPU_JIT
#include "compiler/Codegen/CPU/JIT.h"
#include "compiler/Codegen/CPU/KernelMetadata.h"
#endif

namespace attnc {

namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Removes `path` on scope exit unless released.
struct TempFile {
  llvm::SmallString<128> path;
  ~TempFile() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};

#ifdef ATTNC_PLAN_HAVE_CPU_JIT
llvm::Expected<std::string> findCompilerDriver() {
  if (const char *env = std::getenv("ATTNC_CXX"); env && *env) {
    auto p = llvm::sys::findProgramByName(env);
    if (!p)
      return makeError("ATTNC_CXX='" + llvm::Twine(env) + "' is not an executable on PATH");
    return *p;
  }
  for (const char *name : {"c++", "clang++", "g++"})
    if (auto p = llvm::sys::findProgramByName(name))
      return *p;
  return makeError("no C++ compiler driver (c++, clang++ or g++) on PATH to link the kernels "
                   "with; install one, set ATTNC_CXX, or save the plan with --no-jit");
}
#endif

} // namespace

std::string aotManifestJSON(const CompiledModel &model, uint64_t libraryBytes) {
  llvm::json::Array features;
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  for (const char *f : rt::kCheckedCpuFeatures)
    if (host.lookup(f))
      features.push_back(f);
  llvm::json::Array kernels;
#ifdef ATTNC_PLAN_HAVE_CPU_JIT
  for (const rt::CpuKernelInfo &k : model.kernelInfos)
    kernels.push_back(mlir::attn::kernelInfoToJSON(k));
#else
  (void)model;
#endif
  llvm::Triple triple(llvm::sys::getProcessTriple());
  llvm::json::Object o{
      {"format", rt::kKernelManifestFormat},
      {"version", rt::kKernelManifestVersion},
      {"abi", ATTNC_CPU_KERNEL_ABI_VERSION},
      {"arch", triple.getArchName().str()},
      {"cpu", llvm::sys::getHostCPUName().str()},
      {"features", std::move(features)},
      {"library_bytes", int64_t(libraryBytes)},
      {"kernels", std::move(kernels)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(o))) << "\n";
  return text;
}

llvm::Error writeAotKernels(const CompiledModel &model, llvm::StringRef planPath) {
  std::string soPath = rt::model::aotLibraryPath(planPath.str());
  std::string jsonPath = rt::model::aotManifestPath(planPath.str());
  // Stale side files of an earlier save would not match this plan.
  llvm::sys::fs::remove(jsonPath);
  llvm::sys::fs::remove(soPath);
  if (model.kernelInfos.empty())
    return llvm::Error::success();
#ifndef ATTNC_PLAN_HAVE_CPU_JIT
  return makeError("this attnc was built without the CPU JIT; it cannot save kernels");
#else
  llvm::Expected<std::string> driver = findCompilerDriver();
  if (!driver)
    return driver.takeError();
  // The same IR, options and cache as the JIT compile: the same code, and a
  // cache lookup rather than a second compile.
  cpu::JITOptions jopts;
  jopts.cacheDir = model.kernelCacheDir;
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> object = cpu::emitObject(model.kernelIR, jopts);
  if (!object)
    return object.takeError();

  TempFile obj, log, lib;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("attnc-kernels", "o", fd, obj.path))
    return makeError("cannot create a temporary object file: " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << (*object)->getBuffer();
    os.close();
    if (os.has_error())
      return makeError("cannot write '" + obj.path + "': " + os.error().message());
  }
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("attnc-link", "log", log.path))
    return makeError("cannot create a temporary file: " + ec.message());
  lib.path = soPath + ".tmp";
  llvm::SmallVector<llvm::StringRef> args = {*driver, "-shared", "-o", lib.path, obj.path, "-lm"};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.path.str(), log.path.str()};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, redirects, /*SecondsToWait=*/120,
                                     /*MemoryLimit=*/0, &execError);
  if (rc != 0) {
    std::string output;
    if (auto buf = llvm::MemoryBuffer::getFile(log.path))
      output = (*buf)->getBuffer().str();
    return makeError("linking the attention kernels into '" + soPath + "' with " + *driver +
                     " failed" + (execError.empty() ? "" : " (" + execError + ")") +
                     (output.empty() ? "" : ":\n" + output));
  }
  uint64_t bytes = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(lib.path, bytes))
    return makeError("cannot read '" + lib.path + "': " + ec.message());
  std::string manifest = aotManifestJSON(model, bytes);
  if (std::error_code ec = llvm::sys::fs::rename(lib.path, soPath))
    return makeError("cannot write '" + soPath + "': " + ec.message());
  lib.path.clear();
  std::string tmpJson = jsonPath + ".tmp";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmpJson, ec);
    if (!ec) {
      os << manifest;
      os.close();
      ec = os.error();
    }
    if (!ec)
      ec = llvm::sys::fs::rename(tmpJson, jsonPath);
    if (ec) {
      llvm::sys::fs::remove(tmpJson);
      return makeError("cannot write '" + jsonPath + "': " + ec.message());
    }
  }
  return llvm::Error::success();
#endif
}

} // namespace attnc
