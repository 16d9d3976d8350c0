//===- JIT.cpp - Compile attn IR to CPU kernels and load them -------------===//
//
// See JIT.h. The MLIR half (parse, attn-cpu-pipeline) and the LLVM half
// (translate, O3, object emission) are timed separately; `attnc run
// --timing` prints the numbers. The object goes through LLJIT rather than
// mlir::ExecutionEngine so that a cached object loads without an MLIR
// module at all.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/JIT.h"

#include "compiler/Codegen/CPU/KernelMetadata.h"
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Registration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/SmallVectorMemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <mutex>

using namespace attnc;
using namespace attnc::cpu;

namespace {

constexpr const char *kAttncVersion = "0.1.0";

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

void initializeLLVMOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int64_t vectorWidthOf(const JITOptions &o) {
  return o.vectorWidth > 0 ? o.vectorWidth : mlir::attn::hostVectorWidth();
}

std::string hostFeatureString() {
  std::string s;
  for (auto &f : llvm::sys::getHostCPUFeatures())
    if (f.second)
      s += f.first().str() + ",";
  return s;
}

/// Everything between the attn IR and an object file.
struct ObjectResult {
  std::unique_ptr<llvm::MemoryBuffer> object;
  std::string llvmIR;
  std::vector<rt::CpuKernelInfo> infos;
};

llvm::Expected<std::unique_ptr<llvm::TargetMachine>> hostTargetMachine() {
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb)
    return jtmb.takeError();
  jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  return jtmb->createTargetMachine();
}

llvm::Expected<ObjectResult> buildObject(llvm::StringRef attnIR, const JITOptions &options,
                                         bool wantIR, CompileTimings &t) {
  initializeLLVMOnce();
  mlir::DialectRegistry registry;
  attnc::registerAllDialects(registry);
  registry.insert<mlir::LLVM::LLVMDialect>();
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::MLIRContext ctx(registry, mlir::MLIRContext::Threading::DISABLED);
  ctx.loadAllAvailableDialects();

  // Collect diagnostics into the error instead of printing them.
  std::string diagText;
  llvm::raw_string_ostream diagOS(diagText);
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    diagOS << d.getLocation() << ": " << d << "\n";
    for (auto &note : d.getNotes())
      diagOS << note.getLocation() << ": note: " << note << "\n";
    return mlir::success();
  });

  auto t0 = std::chrono::steady_clock::now();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::parseSourceString<mlir::ModuleOp>(attnIR, &ctx);
  t.parse = msSince(t0);
  if (!module)
    return makeError("cannot parse the attention IR:\n" + diagText);

  t0 = std::chrono::steady_clock::now();
  mlir::PassManager pm(&ctx);
  mlir::attn::CPUPipelineOptions popts;
  popts.vectorWidth = vectorWidthOf(options);
  popts.qTile = options.qTile;
  popts.kTile = options.kTile;
  mlir::attn::buildCPUKernelPipeline(pm, popts);
  if (mlir::failed(pm.run(*module)))
    return makeError("attn-cpu-pipeline failed:\n" + diagText);
  t.kernelPipeline = msSince(t0);

  ObjectResult res;
  for (auto func : module->getOps<mlir::func::FuncOp>()) {
    auto dict = func->getAttrOfType<mlir::DictionaryAttr>(mlir::attn::kCpuKernelAttrName);
    if (!dict)
      continue;
    auto info = mlir::attn::kernelInfoFromMetadata(dict);
    if (!info)
      return info.takeError();
    res.infos.push_back(std::move(*info));
    func->removeAttr(mlir::attn::kCpuKernelAttrName);
  }
  if (res.infos.empty())
    return makeError("the IR has no attn.flash_attention (or attention chain) to compile");

  t0 = std::chrono::steady_clock::now();
  mlir::PassManager lower(&ctx);
  mlir::attn::buildCPUKernelToLLVMPipeline(lower);
  if (mlir::failed(lower.run(*module)))
    return makeError("lowering the kernels to LLVM failed:\n" + diagText);
  t.toLLVMDialect = msSince(t0);

  t0 = std::chrono::steady_clock::now();
  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> llvmModule = mlir::translateModuleToLLVMIR(*module, llvmCtx, "attnc");
  if (!llvmModule)
    return makeError("translation to LLVM IR failed:\n" + diagText);
  t.translate = msSince(t0);

  auto tm = hostTargetMachine();
  if (!tm)
    return tm.takeError();
  llvmModule->setDataLayout((*tm)->createDataLayout());
  llvmModule->setTargetTriple((*tm)->getTargetTriple());
  // Host CPU and features on every function, so that vector<16xf32> maps to
  // zmm registers where the CPU has them.
  for (llvm::Function &f : *llvmModule) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", (*tm)->getTargetCPU());
    f.addFnAttr("target-features", (*tm)->getTargetFeatureString());
  }

  t0 = std::chrono::steady_clock::now();
  auto transformer = mlir::makeOptimizingTransformer(3, 0, tm->get());
  if (auto err = transformer(llvmModule.get()))
    return std::move(err);
  t.optimize = msSince(t0);
  if (wantIR) {
    llvm::raw_string_ostream os(res.llvmIR);
    llvmModule->print(os, nullptr);
  }

  t0 = std::chrono::steady_clock::now();
  llvm::SmallVector<char, 0> objBuffer;
  llvm::raw_svector_ostream objStream(objBuffer);
  llvm::legacy::PassManager codegen;
  if ((*tm)->addPassesToEmitFile(codegen, objStream, nullptr, llvm::CodeGenFileType::ObjectFile))
    return makeError("the host target cannot emit object files");
  codegen.run(*llvmModule);
  res.object = std::make_unique<llvm::SmallVectorMemoryBuffer>(std::move(objBuffer), "attnc-kernels.o",
                                                               /*RequiresNullTerminator=*/false);
  t.codegen = msSince(t0);
  return res;
}

std::string metadataJSON(const std::vector<rt::CpuKernelInfo> &infos) {
  llvm::json::Array arr;
  for (const auto &i : infos)
    arr.push_back(mlir::attn::kernelInfoToJSON(i));
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::json::Value(std::move(arr));
  return s;
}

/// Writes `data` to `path` atomically (temp file in the same directory, then
/// rename), so concurrent compiles never see a torn file.
llvm::Error writeAtomically(const std::string &path, llvm::StringRef data) {
  llvm::SmallString<256> tmp;
  int fd;
  if (auto ec = llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%%%", fd, tmp))
    return makeError("cannot create a temporary file for '" + path + "': " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << data;
    os.flush();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(tmp);
      return makeError("cannot write '" + tmp + "'");
    }
  }
  if (auto ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    return makeError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
  }
  return llvm::Error::success();
}

} // namespace

KernelLibrary::~KernelLibrary() = default;

AttncCpuKernelFn KernelLibrary::lookup(llvm::StringRef name) const {
  for (size_t i = 0; i < infos.size(); ++i)
    if (infos[i].name == name)
      return entries[i];
  return nullptr;
}

std::string attnc::cpu::cacheKey(llvm::StringRef attnIR, const JITOptions &options) {
  llvm::SHA256 sha;
  auto part = [&](llvm::StringRef s) {
    sha.update(s);
    sha.update(llvm::StringRef("\0", 1));
  };
  part(attnIR);
  part("vector_width=" + std::to_string(vectorWidthOf(options)) + " q_tile=" +
       std::to_string(options.qTile) + " k_tile=" + std::to_string(options.kTile));
  part(llvm::sys::getHostCPUName());
  part(hostFeatureString());
  part("abi=" + std::to_string(ATTNC_CPU_KERNEL_ABI_VERSION));
  part(kAttncVersion);
  part(LLVM_VERSION_STRING);
  auto digest = sha.final();
  return llvm::toHex(digest, /*LowerCase=*/true);
}

llvm::Expected<std::unique_ptr<KernelLibrary>> attnc::cpu::compile(llvm::StringRef attnIR,
                                                                   const JITOptions &options) {
  auto tStart = std::chrono::steady_clock::now();
  initializeLLVMOnce();
  std::unique_ptr<KernelLibrary> lib(new KernelLibrary());
  lib->key = cacheKey(attnIR, options);

  std::unique_ptr<llvm::MemoryBuffer> object;
  std::string objPath, jsonPath;
  if (!options.cacheDir.empty()) {
    objPath = (llvm::Twine(options.cacheDir) + "/cpu-" + lib->key + ".o").str();
    jsonPath = (llvm::Twine(options.cacheDir) + "/cpu-" + lib->key + ".json").str();
    auto objBuf = llvm::MemoryBuffer::getFile(objPath, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    auto jsonBuf = llvm::MemoryBuffer::getFile(jsonPath);
    if (objBuf && jsonBuf) {
      auto parsed = llvm::json::parse((*jsonBuf)->getBuffer());
      bool ok = static_cast<bool>(parsed);
      if (!parsed)
        llvm::consumeError(parsed.takeError());
      else if (auto *arr = parsed->getAsArray()) {
        for (const llvm::json::Value &v : *arr) {
          auto info = mlir::attn::kernelInfoFromJSON(v);
          if (!info) {
            llvm::consumeError(info.takeError());
            ok = false;
            break;
          }
          lib->infos.push_back(std::move(*info));
        }
      } else {
        ok = false;
      }
      if (ok && !lib->infos.empty()) {
        object = std::move(*objBuf);
        lib->times.cacheHit = true;
      } else {
        lib->infos.clear(); // a damaged entry is recompiled and overwritten
      }
    }
  }

  if (!object) {
    auto res = buildObject(attnIR, options, /*wantIR=*/false, lib->times);
    if (!res)
      return res.takeError();
    object = std::move(res->object);
    lib->infos = std::move(res->infos);
    if (!options.cacheDir.empty()) {
      if (auto ec = llvm::sys::fs::create_directories(options.cacheDir))
        return makeError("cannot create the kernel cache directory '" + options.cacheDir +
                         "': " + ec.message());
      if (auto err = writeAtomically(objPath, object->getBuffer()))
        return std::move(err);
      if (auto err = writeAtomically(jsonPath, metadataJSON(lib->infos)))
        return std::move(err);
    }
  }

  auto t0 = std::chrono::steady_clock::now();
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    return jit.takeError();
  // Generated code may call memset/memcpy.
  auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!gen)
    return gen.takeError();
  (*jit)->getMainJITDylib().addGenerator(std::move(*gen));
  if (auto err = (*jit)->addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(
          object->getBuffer(), object->getBufferIdentifier())))
    return std::move(err);
  for (const auto &info : lib->infos) {
    auto sym = (*jit)->lookup("_mlir_ciface_" + info.name);
    if (!sym)
      return sym.takeError();
    lib->entries.push_back(sym->toPtr<AttncCpuKernelFn>());
  }
  lib->jit = std::move(*jit);
  lib->times.load = msSince(t0);
  lib->times.total = msSince(tStart);
  return lib;
}

llvm::Expected<std::string> attnc::cpu::emitLLVMIR(llvm::StringRef attnIR, const JITOptions &options) {
  CompileTimings t;
  auto res = buildObject(attnIR, options, /*wantIR=*/true, t);
  if (!res)
    return res.takeError();
  return std::move(res->llvmIR);
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
attnc::cpu::emitObject(llvm::StringRef attnIR, const JITOptions &options) {
  CompileTimings t;
  auto res = buildObject(attnIR, options, /*wantIR=*/false, t);
  if (!res)
    return res.takeError();
  return std::move(res->object);
}
