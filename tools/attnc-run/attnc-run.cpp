//===- attnc-run.cpp - Run attnc artifacts without LLVM -------------------===//
//
// The LLVM-free runner: the companion of the compiler on machines that only
// run kernels (the GPU test machine has CUDA but no LLVM). main() only
// dispatches to the subcommands registered in this folder (Command.h); the
// built-in ones (probe-gpu, info, npy-info) live in GpuCommands.cpp and
// NpyCommands.cpp.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc-run/Command.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace attnc::run {

static std::vector<Command> &registry() {
  static std::vector<Command> commands;
  return commands;
}

CommandRegistration::CommandRegistration(const char *name, const char *usage,
                                         const char *summary, CommandFn run) {
  registry().push_back({name, usage, summary, run});
}

std::vector<Command> registeredCommands() {
  std::vector<Command> sorted = registry();
  std::sort(sorted.begin(), sorted.end(), [](const Command &a, const Command &b) {
    return std::strcmp(a.name, b.name) < 0;
  });
  return sorted;
}

int reportError(const std::string &message) {
  std::fprintf(stderr, "attnc-run: error: %s\n", message.c_str());
  return 1;
}

static void printHelp(FILE *out) {
  std::fprintf(out, "usage: attnc-run <command> [args...]\n\n"
                    "Runs attnc artifacts and inspects the machine, without "
                    "LLVM.\n\ncommands (also accepted as --<command>):\n");
  for (const Command &c : registeredCommands()) {
    std::string head = std::string(c.name) + " " + c.usage;
    std::fprintf(out, "  %-34s %s\n", head.c_str(), c.summary);
  }
}

} // namespace attnc::run

int main(int argc, char **argv) {
  using namespace attnc::run;
  if (argc < 2) {
    printHelp(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    printHelp(stdout);
    return 0;
  }
  if (name.rfind("--", 0) == 0)
    name = name.substr(2);
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command &c : registeredCommands())
    if (name == c.name)
      return c.run(args);
  reportError("unknown command '" + std::string(argv[1]) +
              "' (see attnc-run --help)");
  return 2;
}
