//===- Commands.h - attnc subcommands ---------------------------*- C++ -*-===//
//
// attnc is a small dispatcher: `attnc <command> ARGS...` runs the command's
// `int run...Command(int argc, char **argv)` (argv[0] is "attnc <command>"),
// and anything else runs the compile command (`attnc FILE --emit=...`).
// Each command lives in its own file and declares its llvm::cl options
// inside its run function, so commands do not see each other's flags.
// To add one: write the function in a new file, declare it here, add a line
// to Commands.def and the file to CMakeLists.txt.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_COMMANDS_H
#define ATTNC_TOOLS_ATTNC_COMMANDS_H

namespace llvm {
class raw_ostream;
} // namespace llvm
namespace mlir {
class Operation;
} // namespace mlir

namespace attnc {

/// `attnc [compile] FILE [-o OUT] --emit=ast|mlir`.
int runCompileCommand(int argc, char **argv);

/// `attnc FILE --emit=llvm|obj` (CpuEmit.cpp, when the CPU back end is
/// built): the module's attention as host LLVM IR or an object file.
int emitCpuKernels(mlir::Operation *module, bool object, llvm::raw_ostream &os) __attribute__((weak));

/// `attnc cuda FILE.mlir --emit=cuda|ptx|cubin --arch=sm_90a` (CudaCommand.cpp).
int runCudaCommand(int argc, char **argv);

/// `attnc run FILE ...` (ModelRunCommand.cpp): files with a model run
/// through the model executor; kernel-only specs are handed to
/// runKernelRunCommand when the build defines it (the CPU back end's
/// standalone kernel runner).
int runRunCommand(int argc, char **argv);
int runKernelRunCommand(int argc, char **argv) __attribute__((weak));

/// `attnc import-hf config.json -o model.attn` (HFImport.cpp).
int runImportHFCommand(int argc, char **argv);

/// `attnc weights SPEC -o w.safetensors` (WeightsCommand.cpp).
int runWeightsCommand(int argc, char **argv);

/// Prints the version line shared by every command.
void printVersion(llvm::raw_ostream &os);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_COMMANDS_H
