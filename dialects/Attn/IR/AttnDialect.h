//===- AttnDialect.h - The attn dialect -------------------------*- C++ -*-===//
//
// Declares the `attn` dialect class. Include AttnOps.h for ops and
// attributes; this header is what pass registration needs.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECTS_ATTN_IR_ATTNDIALECT_H
#define ATTNC_DIALECTS_ATTN_IR_ATTNDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialects/Attn/IR/AttnDialect.h.inc"

#endif // ATTNC_DIALECTS_ATTN_IR_ATTNDIALECT_H
