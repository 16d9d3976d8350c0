//===- consumer.cpp - A program built against an installed attnc ---------===//
//
// With one key per query, attention returns v exactly: a check that needs
// no reference implementation. Also shows a binding error as a message.
//
//===----------------------------------------------------------------------===//
#include "compiler/API/attnc.h"

#include <cstdio>
#include <vector>

int main() {
  auto kernel = attnc::compileString("kernel single { q = [1, 2, 1, 16]\n k = [1, 2, 1, 16]\n"
                                     " v = [1, 2, 1, 16] }");
  if (!kernel) {
    std::printf("compile failed: %s\n", llvm::toString(kernel.takeError()).c_str());
    return 1;
  }
  std::vector<float> q(32, 0.5f), k(32, -1.0f), v(32), out(32, -7.0f);
  for (int i = 0; i < 32; ++i)
    v[i] = float(i);
  auto view = [](std::vector<float> &d) {
    return *attnc::TensorView::contiguous(attnc::DType::F32, {1, 2, 1, 16}, d.data());
  };
  if (llvm::Error e = kernel->run({{"q", view(q)}, {"k", view(k)}, {"v", view(v)}, {"out", view(out)}})) {
    std::printf("run failed: %s\n", llvm::toString(std::move(e)).c_str());
    return 1;
  }
  std::printf("out == v: %s\n", out == v ? "yes" : "no");
  llvm::Error e = kernel->run({{"q", view(q)}});
  std::printf("error: %s\n", llvm::toString(std::move(e)).c_str());
  return out == v ? 0 : 1;
}
