//===- Command.h - attnc-run's subcommand registry ---------------*- C++ -*-===//
//
// attnc-run is a dispatcher: each subcommand lives in its own .cpp file in
// tools/attnc-run/ and registers itself with a static CommandRegistration,
// so adding one (running a CUDA AOT artifact, a CPU artifact...) means
// adding a file, not editing a central table. The CMakeLists globs *.cpp.
//
//   static int runFoo(const std::vector<std::string> &args) { ... }
//   static attnc::run::CommandRegistration foo{
//       "foo", "<file>", "one-line summary", runFoo};
//
// Commands return the process exit code (0 success, 1 failure, 2 usage) and
// print diagnostics to stderr as "attnc-run: error: ...". Nothing here may
// use LLVM: attnc-run is built with the runtime on GPU machines that have
// no LLVM installed.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_RUN_COMMAND_H
#define ATTNC_TOOLS_ATTNC_RUN_COMMAND_H

#include <string>
#include <vector>

namespace attnc::run {

using CommandFn = int (*)(const std::vector<std::string> &args);

struct Command {
  const char *name;    // "info"; also accepted as "--info"
  const char *usage;   // arguments, e.g. "<artifact> [inputs...]"
  const char *summary; // one line for --help
  CommandFn run;
};

struct CommandRegistration {
  CommandRegistration(const char *name, const char *usage, const char *summary,
                      CommandFn run);
};

/// All registered commands, sorted by name.
std::vector<Command> registeredCommands();

/// Prints "attnc-run: error: <message>" to stderr and returns 1.
int reportError(const std::string &message);

} // namespace attnc::run

#endif // ATTNC_TOOLS_ATTNC_RUN_COMMAND_H
