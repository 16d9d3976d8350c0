//===- attnc.cpp - The attnc compiler driver -------------------------------===//
//
// Dispatches `attnc <command> ...` to the command table in Commands.def and
// everything else (`attnc FILE ...`, `attnc --help`) to the compile command.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"
#include "tools/attnc/CudaTarget.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace {
struct Command {
  const char *name;
  int (*run)(int, char **);
  const char *summary;
};

const Command kCommands[] = {
#define ATTNC_COMMAND(name, fn, summary) {name, attnc::fn, summary},
#include "tools/attnc/Commands.def"
};
} // namespace

void attnc::printVersion(llvm::raw_ostream &os) {
  os << "attnc " << ATTNC_VERSION << " (LLVM/MLIR " << LLVM_VERSION_STRING << ")\n";
}

/// Appended to the compile command's --help.
std::string attncCommandList() {
  std::string s = "\nCOMMANDS:\n";
  for (const Command &c : kCommands)
    s += "  attnc " + std::string(c.name) + std::string(c.name == llvm::StringRef("compile") ? 0 : 0, ' ') +
         "\n      " + c.summary + "\n";
  return s;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (argc >= 2) {
    llvm::StringRef first = argv[1];
    for (const Command &c : kCommands) {
      if (first != c.name)
        continue;
      // The command sees itself as argv[0], so its --help names it.
      std::string self = std::string("attnc ") + c.name;
      argv[1] = self.data();
      return c.run(argc - 1, argv + 1);
    }
  }
  if (attnc::selectsCudaTarget(argc, argv))
    return attnc::runCudaTargetCommand(argc, argv);
  return attnc::runCompileCommand(argc, argv);
}
