//===- TestEnv.h - Small helpers shared by the unit tests -------*- C++ -*-===//
//
// Header-only and LLVM-free, so the runtime's standalone test build can use
// it too: a scoped environment variable (the fake CUDA driver and the kernel
// cache are configured through the environment) and a substring check for
// error messages.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_SUPPORT_TESTENV_H
#define ATTNC_TEST_SUPPORT_TESTENV_H

#include <cstdlib>
#include <string>

namespace attnc::test {

/// True when `part` occurs in `s` (for checking error messages).
inline bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

/// Sets an environment variable for one scope and restores it afterwards.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    if (const char *old = std::getenv(name)) {
      old_ = old;
      hadOld_ = true;
    }
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (hadOld_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  const char *name_;
  std::string old_;
  bool hadOld_ = false;
};

} // namespace attnc::test

#endif // ATTNC_TEST_SUPPORT_TESTENV_H
