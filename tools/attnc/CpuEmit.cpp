//===- CpuEmit.cpp - attnc FILE --emit=llvm|obj ----------------------------===//
//
// The CPU back end's emit kinds of the compile command: the attention in
// the loaded module goes through the same CPU pipeline and LLVM settings as
// the JIT (compiler/Codegen/CPU/JIT.h), for this host, and the optimised
// LLVM IR or the object file is written. CompileCommand.cpp calls this
// through the hook declared in Commands.h.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"

#include "compiler/Codegen/CPU/JIT.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/Support/raw_ostream.h"

int attnc::emitCpuKernels(mlir::Operation *module, bool object, llvm::raw_ostream &os) {
  // The CPU back end takes IR text (what it hashes for its cache key); keep
  // the locations so its diagnostics point into the spec, not into "-".
  std::string ir;
  {
    llvm::raw_string_ostream irOS(ir);
    module->print(irOS, mlir::OpPrintingFlags().enableDebugInfo());
  }
  cpu::JITOptions options;
  if (object) {
    auto obj = cpu::emitObject(ir, options);
    if (!obj) {
      llvm::errs() << "attnc: " << llvm::toString(obj.takeError()) << "\n";
      return 1;
    }
    os << (*obj)->getBuffer();
    return 0;
  }
  auto text = cpu::emitLLVMIR(ir, options);
  if (!text) {
    llvm::errs() << "attnc: " << llvm::toString(text.takeError()) << "\n";
    return 1;
  }
  os << *text;
  return 0;
}
