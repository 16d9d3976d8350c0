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
#include "runtime/cache/KernelCache.h"

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
#include <map>
#include <mutex>
#include <optional>

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

/// Cache payload: u64 metadata length | metadata JSON | object file.
rt::KernelBlob encodePayload(const std::string &json, llvm::StringRef object) {
  rt::KernelBlob blob(8 + json.size() + object.size());
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i)
    blob[i] = uint8_t(n >> (8 * i));
  std::copy(json.begin(), json.end(), blob.begin() + 8);
  std::copy(object.begin(), object.end(), blob.begin() + 8 + json.size());
  return blob;
}

/// Splits a payload; false when it is not one (the cache already checked
/// its integrity, so this only catches a different payload format).
bool decodePayload(const rt::KernelBlob &blob, std::vector<rt::CpuKernelInfo> &infos,
                   llvm::StringRef &object) {
  if (blob.size() < 8)
    return false;
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(blob[i]) << (8 * i);
  if (n > blob.size() - 8)
    return false;
  llvm::StringRef json(reinterpret_cast<const char *>(blob.data()) + 8, n);
  auto parsed = llvm::json::parse(json);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return false;
  }
  auto *arr = parsed->getAsArray();
  if (!arr || arr->empty())
    return false;
  for (const llvm::json::Value &v : *arr) {
    auto info = mlir::attn::kernelInfoFromJSON(v);
    if (!info) {
      llvm::consumeError(info.takeError());
      infos.clear();
      return false;
    }
    infos.push_back(std::move(*info));
  }
  object = llvm::StringRef(reinterpret_cast<const char *>(blob.data()) + 8 + n, blob.size() - 8 - n);
  return true;
}

/// One KernelCache per directory ("" = memory only) for the whole process,
/// so that concurrent compiles of one kernel compile it once.
struct CacheRegistry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<rt::KernelCache>> caches;
  rt::WarningHandler onWarning;

  static CacheRegistry &get() {
    static CacheRegistry r;
    return r;
  }
  rt::KernelCache &cacheFor(const std::string &dir) {
    std::lock_guard<std::mutex> lock(mutex);
    std::unique_ptr<rt::KernelCache> &c = caches[dir];
    if (!c) {
      rt::KernelCacheOptions o;
      o.directory = dir;
      o.useDisk = !dir.empty();
      o.onWarning = [this](const std::string &m) {
        rt::WarningHandler h;
        {
          std::lock_guard<std::mutex> lock(mutex);
          h = onWarning;
        }
        (h ? h : rt::defaultWarningHandler)(m);
      };
      c = std::make_unique<rt::KernelCache>(std::move(o));
    }
    return *c;
  }
};

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

namespace {

/// The object file and kernel metadata for `attnIR`, from the cache (memory,
/// then disk) or from one compile per key process-wide. A hit touches no
/// MLIR: the payload holds both. `object` points into `blob`.
struct CachedKernels {
  rt::KernelBlobRef blob;
  std::vector<rt::CpuKernelInfo> infos;
  llvm::StringRef object;
  bool compiled = false;
};

llvm::Expected<CachedKernels> cachedKernels(llvm::StringRef attnIR, const JITOptions &options,
                                            const std::string &key, CompileTimings &times) {
  rt::KernelCache &cache = CacheRegistry::get().cacheFor(options.cacheDir);
  CachedKernels out;
  std::optional<llvm::Error> compileError;
  auto produce = [&]() -> rt::Result<rt::KernelBlob> {
    out.compiled = true;
    auto res = buildObject(attnIR, options, /*wantIR=*/false, times);
    if (!res) {
      std::string msg = llvm::toString(res.takeError());
      compileError = makeError(msg);
      return rt::invalidArgument(msg);
    }
    return encodePayload(metadataJSON(res->infos), res->object->getBuffer());
  };
  rt::Result<rt::KernelBlobRef> blob = cache.getOrCompute(key, produce);
  if (!blob.ok()) {
    if (compileError)
      return std::move(*compileError);
    return makeError(blob.status().message()); // a concurrent compile of this key failed
  }
  if (!decodePayload(**blob, out.infos, out.object)) {
    // Valid entry, foreign payload (e.g. an older format): rebuild it.
    rt::defaultWarningHandler("kernel cache entry " + key + " has an unknown payload; recompiling");
    auto res = buildObject(attnIR, options, /*wantIR=*/false, times);
    if (!res)
      return res.takeError();
    rt::Status st = cache.store(key, encodePayload(metadataJSON(res->infos), res->object->getBuffer()));
    (void)st;
    blob = cache.lookup(key);
    out.compiled = true;
    out.infos.clear();
    if (!blob.ok() || !decodePayload(**blob, out.infos, out.object))
      return makeError("the kernel cache cannot hold kernel " + key);
  }
  out.blob = *blob;
  return out;
}

} // namespace

llvm::Expected<std::unique_ptr<KernelLibrary>> attnc::cpu::compile(llvm::StringRef attnIR,
                                                                   const JITOptions &options) {
  auto tStart = std::chrono::steady_clock::now();
  initializeLLVMOnce();
  std::unique_ptr<KernelLibrary> lib(new KernelLibrary());
  lib->key = cacheKey(attnIR, options);
  llvm::Expected<CachedKernels> cached = cachedKernels(attnIR, options, lib->key, lib->times);
  if (!cached)
    return cached.takeError();
  lib->infos = std::move(cached->infos);
  llvm::StringRef object = cached->object;
  lib->times.cacheHit = !cached->compiled;

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
  if (auto err = (*jit)->addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(object, "attnc-kernels.o")))
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
  // Through the cache: right after a JIT compile of the same IR (saving a
  // model's plan) this is a lookup, not a second compile.
  CompileTimings t;
  llvm::Expected<CachedKernels> cached = cachedKernels(attnIR, options, cacheKey(attnIR, options), t);
  if (!cached)
    return cached.takeError();
  return llvm::MemoryBuffer::getMemBufferCopy(cached->object, "attnc-kernels.o");
}

void attnc::cpu::setCacheWarningHandler(std::function<void(const std::string &)> handler) {
  CacheRegistry &r = CacheRegistry::get();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.onWarning = std::move(handler);
}

rt::KernelCacheStats attnc::cpu::cacheStats(const std::string &cacheDir) {
  return CacheRegistry::get().cacheFor(cacheDir).stats();
}

void attnc::cpu::clearMemoryCache() {
  CacheRegistry &r = CacheRegistry::get();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto &[dir, cache] : r.caches)
    cache->clearMemory();
}
