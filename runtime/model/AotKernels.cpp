//===- AotKernels.cpp - Load a saved plan's compiled attention kernels ----===//
//
// See AotKernels.h. The library is opened RTLD_LOCAL (two plans' kernels
// may share symbol names) and RTLD_NOW (an unresolved symbol is reported
// at load, not as a crash in the first call). The manifest is checked
// before dlopen, so a library for another CPU is never mapped: running
// its code could die with SIGILL.
//
//===----------------------------------------------------------------------===//
#include "runtime/model/AotKernels.h"

#include "runtime/core/File.h"
#include "runtime/cpu/KernelManifest.h"
#include "runtime/model/CompiledAttention.h"

#include <dlfcn.h>
#include <sys/stat.h>

namespace attnc::rt::model {

namespace {

/// The manifest and the open library; kernels keep it alive.
struct LoadedLibrary {
  KernelManifest manifest;
  void *handle = nullptr;
  ~LoadedLibrary() {
    if (handle)
      dlclose(handle);
  }
};

} // namespace

Result<AotKernels> loadAotKernels(const Plan &plan, const std::string &libraryPath,
                                  const std::string &manifestPath) {
  ATTNC_RT_ASSIGN_OR_RETURN(std::vector<uint8_t> text, readFile(manifestPath));
  auto lib = std::make_shared<LoadedLibrary>();
  ATTNC_RT_ASSIGN_OR_RETURN(lib->manifest,
                            parseKernelManifest(std::string(text.begin(), text.end()), manifestPath));
  const KernelManifest &m = lib->manifest;
  if (Status st = checkHostRuns(m); !st.ok())
    return st.withContext(libraryPath);
  struct stat sb;
  if (::stat(libraryPath.c_str(), &sb) != 0)
    return notFound("cannot open '" + libraryPath + "'");
  if (uint64_t(sb.st_size) != m.libraryBytes)
    return corrupt(libraryPath + ": " + std::to_string(sb.st_size) + " bytes, but " + manifestPath +
                   " describes a library of " + std::to_string(m.libraryBytes) +
                   " bytes (the two come from different saves?)");

  // Every kernel the plan names must be described before any code loads.
  std::vector<std::pair<size_t, const CpuKernelInfo *>> wanted;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step &s = plan.steps[i];
    if (s.kind != StepKind::Attention || s.kernel.empty())
      continue;
    const CpuKernelInfo *info = m.find(s.kernel);
    if (!info)
      return corrupt(manifestPath + ": no kernel '" + s.kernel + "', which step " +
                     std::to_string(i) + " of the plan uses");
    wanted.emplace_back(i, info);
  }

  // A name without a slash would be looked up on the library search path.
  std::string openPath =
      libraryPath.find('/') == std::string::npos ? "./" + libraryPath : libraryPath;
  lib->handle = dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    const char *why = dlerror();
    return corrupt("cannot load '" + libraryPath + "': " + (why ? why : "dlopen failed"));
  }
  AotKernels out;
  for (auto &[step, info] : wanted) {
    std::string symbol = "_mlir_ciface_" + info->name;
    dlerror();
    void *sym = dlsym(lib->handle, symbol.c_str());
    if (!sym)
      return corrupt(libraryPath + ": no symbol '" + symbol + "' (kernel of step " +
                     std::to_string(step) + ")");
    out.kernels.emplace_back(step, makeCpuAttentionKernel(lib, info,
                                                          reinterpret_cast<AttncCpuKernelFn>(sym)));
  }
  out.description = std::to_string(out.kernels.size()) + " AOT attention kernel(s) from " +
                    libraryPath + " (" + m.arch + ", " + m.cpu + ")";
  return out;
}

} // namespace attnc::rt::model
