//===- Status.cpp - Error values for the LLVM-free runtime ----------------===//
//
// Names for status codes and message composition; kept out of line so the
// header stays cheap to include everywhere.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/Status.h"

namespace attnc::rt {

const char *statusCodeName(StatusCode code) {
  switch (code) {
  case StatusCode::Ok:
    return "Ok";
  case StatusCode::InvalidArgument:
    return "InvalidArgument";
  case StatusCode::NotFound:
    return "NotFound";
  case StatusCode::IoError:
    return "IoError";
  case StatusCode::Corrupt:
    return "Corrupt";
  case StatusCode::Unsupported:
    return "Unsupported";
  case StatusCode::OutOfMemory:
    return "OutOfMemory";
  case StatusCode::Unavailable:
    return "Unavailable";
  case StatusCode::DeviceError:
    return "DeviceError";
  case StatusCode::Internal:
    return "Internal";
  }
  return "Unknown";
}

Status Status::withContext(const std::string &context) const {
  if (ok())
    return *this;
  return Status(code_, context + ": " + message_);
}

std::string Status::toString() const {
  if (ok())
    return "Ok";
  return std::string(statusCodeName(code_)) + ": " + message_;
}

} // namespace attnc::rt
