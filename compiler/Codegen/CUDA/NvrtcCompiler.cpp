//===- NvrtcCompiler.cpp - CUDA C++ -> PTX / CUBIN with NVRTC -------------===//
//
// Only libnvrtc is linked (it is a plain host library); the CUDA driver is
// never touched here. Built as a stub that reports "no NVRTC" when the
// toolkit was not found at configure time.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CUDA/NvrtcCompiler.h"

#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cstdlib>
#include <vector>

#if ATTNC_HAVE_NVRTC
#include <nvrtc.h>
#endif

using namespace attnc::cuda;

std::string GpuArch::str() const {
  return std::string(cubin ? "sm_" : "compute_") + std::to_string(sm) + (archSpecific ? "a" : "");
}
std::string GpuArch::virtualArch() const {
  return "compute_" + std::to_string(sm) + (archSpecific ? "a" : "");
}

llvm::Expected<GpuArch> attnc::cuda::parseGpuArch(llvm::StringRef text) {
  GpuArch a;
  llvm::StringRef rest = text;
  if (rest.consume_front("sm_"))
    a.cubin = true;
  else if (rest.consume_front("compute_"))
    a.cubin = false;
  else
    return llvm::createStringError("unknown GPU architecture '%s' (expected sm_XY[a] or compute_XY[a], e.g. sm_90a)",
                                   text.str().c_str());
  a.archSpecific = rest.consume_back("a");
  unsigned sm = 0;
  if (rest.getAsInteger(10, sm) || sm < 50 || sm > 200)
    return llvm::createStringError("unknown GPU architecture '%s' (expected sm_XY[a] or compute_XY[a], e.g. sm_90a)",
                                   text.str().c_str());
  a.sm = int(sm);
  return a;
}

#if ATTNC_HAVE_NVRTC

bool attnc::cuda::haveNvrtc() { return true; }

std::string attnc::cuda::nvrtcVersion() {
  int major = 0, minor = 0;
  if (::nvrtcVersion(&major, &minor) != NVRTC_SUCCESS)
    return "nvrtc ?";
  return llvm::formatv("nvrtc {0}.{1}", major, minor).str();
}

llvm::Expected<NvrtcOutput> attnc::cuda::compileWithNvrtc(llvm::StringRef source, llvm::StringRef name,
                                                          const GpuArch &arch) {
  auto start = std::chrono::steady_clock::now();
  std::string src = source.str(), fileName = name.str() + ".cu";
  nvrtcProgram prog;
  if (nvrtcResult r = nvrtcCreateProgram(&prog, src.c_str(), fileName.c_str(), 0, nullptr, nullptr);
      r != NVRTC_SUCCESS)
    return llvm::createStringError("nvrtcCreateProgram failed: %s", nvrtcGetErrorString(r));

  const char *envInclude = std::getenv("ATTNC_CUDA_INCLUDE");
  std::string include = std::string("-I") + (envInclude && *envInclude ? envInclude : ATTNC_CUDA_INCLUDE_DIR);
  std::string archOpt = "--gpu-architecture=" + arch.str();
  std::vector<const char *> opts = {archOpt.c_str(), include.c_str(), "--std=c++17", "-default-device",
                                    "--extra-device-vectorization", "--diag-suppress=177"};
  nvrtcResult compiled = nvrtcCompileProgram(prog, int(opts.size()), opts.data());

  NvrtcOutput out;
  size_t logSize = 0;
  if (nvrtcGetProgramLogSize(prog, &logSize) == NVRTC_SUCCESS && logSize > 1) {
    out.log.resize(logSize);
    if (nvrtcGetProgramLog(prog, out.log.data()) != NVRTC_SUCCESS)
      out.log.clear();
    while (!out.log.empty() && (out.log.back() == '\0' || out.log.back() == '\n'))
      out.log.pop_back();
  }
  auto fail = [&](const char *what, nvrtcResult r) {
    std::string msg = llvm::formatv("NVRTC {0} failed for {1} ({2}): {3}", what, arch.str(),
                                    nvrtcGetErrorString(r), out.log)
                          .str();
    nvrtcDestroyProgram(&prog);
    return llvm::createStringError(msg);
  };
  if (compiled != NVRTC_SUCCESS)
    return fail("compilation", compiled);

  size_t size = 0;
  if (nvrtcResult r = nvrtcGetPTXSize(prog, &size); r != NVRTC_SUCCESS)
    return fail("nvrtcGetPTXSize", r);
  out.ptx.resize(size);
  if (nvrtcResult r = nvrtcGetPTX(prog, out.ptx.data()); r != NVRTC_SUCCESS)
    return fail("nvrtcGetPTX", r);
  while (!out.ptx.empty() && out.ptx.back() == '\0')
    out.ptx.pop_back();
  if (arch.cubin) {
    if (nvrtcResult r = nvrtcGetCUBINSize(prog, &size); r != NVRTC_SUCCESS)
      return fail("nvrtcGetCUBINSize", r);
    out.cubin.resize(size);
    if (nvrtcResult r = nvrtcGetCUBIN(prog, out.cubin.data()); r != NVRTC_SUCCESS)
      return fail("nvrtcGetCUBIN", r);
  }
  nvrtcDestroyProgram(&prog);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

#else // !ATTNC_HAVE_NVRTC

bool attnc::cuda::haveNvrtc() { return false; }
std::string attnc::cuda::nvrtcVersion() { return "none"; }
llvm::Expected<NvrtcOutput> attnc::cuda::compileWithNvrtc(llvm::StringRef, llvm::StringRef, const GpuArch &arch) {
  return llvm::createStringError("cannot compile CUDA for %s: attnc was built without the CUDA toolkit (NVRTC); "
                                 "--emit=cuda still works",
                                 arch.str().c_str());
}

#endif
