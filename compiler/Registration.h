//===- Registration.h - Register attnc dialects and passes ------*- C++ -*-===//
//
// One place that knows every dialect and pass attnc uses, shared by attn-opt,
// attnc and the JIT API so that all three see the same registry.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_REGISTRATION_H
#define ATTNC_COMPILER_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace attnc {

/// attn plus the upstream dialects our pipelines produce.
void registerAllDialects(mlir::DialectRegistry &registry);

/// attnc's passes and named pipelines (and the upstream passes they use).
void registerAllPasses();

} // namespace attnc

#endif // ATTNC_COMPILER_REGISTRATION_H
