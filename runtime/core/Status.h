//===- Status.h - Error values for the LLVM-free runtime ---------*- C++ -*-===//
//
// The runtime cannot use llvm::Error/Expected (it must build without LLVM) and
// must never abort or let an exception escape, so every fallible call returns
// a Status or a Result<T>. Both are [[nodiscard]]: ignoring an error is a
// compile warning, not a silent bug. Messages are complete sentences meant for
// the end user ("cannot open 'x.npy': No such file or directory"), so callers
// add context with withContext() instead of re-wording them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CORE_STATUS_H
#define ATTNC_RUNTIME_CORE_STATUS_H

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace attnc::rt {

enum class StatusCode {
  Ok = 0,
  InvalidArgument, // the caller passed something malformed
  NotFound,        // a file, tensor or symbol that is not there
  IoError,         // the OS refused (open/read/write/rename/mmap)
  Corrupt,         // data exists but fails validation (bad header, checksum)
  Unsupported,     // well-formed but outside what the runtime handles
  OutOfMemory,     // host or device allocation failed
  Unavailable,     // a resource (CUDA driver, device) is not present
  DeviceError,     // the CUDA driver reported a failure
  Internal,        // a runtime invariant was broken (a bug in attnc)
};

const char *statusCodeName(StatusCode code);

class [[nodiscard]] Status {
public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status success() { return Status(); }

  bool ok() const { return code_ == StatusCode::Ok; }
  StatusCode code() const { return code_; }
  const std::string &message() const { return message_; }

  /// Prefixes the message with `context: ` (no-op on success).
  Status withContext(const std::string &context) const;
  /// "<CodeName>: <message>", or "Ok".
  std::string toString() const;

  /// Explicitly discard a status whose failure does not matter.
  void ignore() const {}

private:
  StatusCode code_ = StatusCode::Ok;
  std::string message_;
};

// Shorthand constructors, one per code; they read better at call sites.
inline Status invalidArgument(std::string m) {
  return Status(StatusCode::InvalidArgument, std::move(m));
}
inline Status notFound(std::string m) {
  return Status(StatusCode::NotFound, std::move(m));
}
inline Status ioError(std::string m) {
  return Status(StatusCode::IoError, std::move(m));
}
inline Status corrupt(std::string m) {
  return Status(StatusCode::Corrupt, std::move(m));
}
inline Status unsupported(std::string m) {
  return Status(StatusCode::Unsupported, std::move(m));
}
inline Status outOfMemory(std::string m) {
  return Status(StatusCode::OutOfMemory, std::move(m));
}
inline Status unavailable(std::string m) {
  return Status(StatusCode::Unavailable, std::move(m));
}
inline Status deviceError(std::string m) {
  return Status(StatusCode::DeviceError, std::move(m));
}
inline Status internalError(std::string m) {
  return Status(StatusCode::Internal, std::move(m));
}

/// A value or the Status explaining why there is none. Like llvm::Expected,
/// but copyable/movable like a plain value and without the "must check"
/// abort: [[nodiscard]] plus tests cover what the abort would.
template <typename T> class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>,
                "Result<Status> is meaningless; return Status");

public:
  /// Implicit so that `return value;` and `return someStatus;` both work.
  Result(T value) : value_(std::move(value)) {}
  Result(Status status) : status_(std::move(status)) {
    if (status_.ok()) // A Result built from success would hold nothing.
      status_ = internalError("Result constructed from an ok Status");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status &status() const { return status_; }

  // Precondition for all accessors: ok().
  T &value() & { return *value_; }
  const T &value() const & { return *value_; }
  T &&value() && { return std::move(*value_); }
  T &operator*() & { return *value_; }
  const T &operator*() const & { return *value_; }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }
  /// Moves the value out (precondition: ok()).
  T take() { return std::move(*value_); }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace attnc::rt

// Propagation helpers: early-return the failure, with no exception machinery.
#define ATTNC_RT_CONCAT_IMPL(a, b) a##b
#define ATTNC_RT_CONCAT(a, b) ATTNC_RT_CONCAT_IMPL(a, b)

#define ATTNC_RT_RETURN_IF_ERROR(expr)                                         \
  do {                                                                         \
    ::attnc::rt::Status _attnc_st = (expr);                                    \
    if (!_attnc_st.ok())                                                       \
      return _attnc_st;                                                        \
  } while (0)

#define ATTNC_RT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                         \
  auto tmp = (expr);                                                           \
  if (!tmp.ok())                                                               \
    return tmp.status();                                                       \
  lhs = tmp.take()

/// `ATTNC_RT_ASSIGN_OR_RETURN(auto x, makeX());`
#define ATTNC_RT_ASSIGN_OR_RETURN(lhs, expr)                                   \
  ATTNC_RT_ASSIGN_OR_RETURN_IMPL(ATTNC_RT_CONCAT(_attnc_res_, __LINE__), lhs,  \
                                 expr)

#endif // ATTNC_RUNTIME_CORE_STATUS_H
