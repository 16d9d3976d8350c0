//===- NpyCommands.cpp - attnc-run npy-info -------------------------------===//
//
// Prints what the runtime reads from a .npy file: dtype, shape and simple
// statistics. Lets tests check the runtime's .npy reader against numpy's
// writer, and is handy when an output file looks wrong.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc-run/Command.h"

#include "runtime/core/Npy.h"

#include <cmath>
#include <cstdio>

using namespace attnc::rt;

namespace {

int npyInfo(const std::vector<std::string> &args) {
  if (args.size() != 1)
    return attnc::run::reportError("usage: attnc-run npy-info <file.npy>");
  Result<HostTensor> t = readNpy(args[0]);
  if (!t.ok())
    return attnc::run::reportError(t.status().message());
  const TensorView &v = t->view();
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  int64_t nans = 0;
  for (int64_t i = 0; i < v.numElements(); ++i) {
    double x = loadAsDouble(v.dtype(), v.data(), size_t(i));
    if (std::isnan(x)) {
      ++nans;
      continue;
    }
    sum += x;
    lo = std::fmin(lo, x);
    hi = std::fmax(hi, x);
  }
  int64_t finite = v.numElements() - nans;
  std::printf("%s elements=%lld", v.describe().c_str(),
              static_cast<long long>(v.numElements()));
  if (finite > 0)
    std::printf(" min=%.9g max=%.9g mean=%.9g", lo, hi, sum / double(finite));
  std::printf(" nan=%lld\n", static_cast<long long>(nans));
  return 0;
}

attnc::run::CommandRegistration npyInfoReg{
    "npy-info", "<file.npy>", "print dtype, shape and statistics of a .npy",
    npyInfo};

} // namespace
