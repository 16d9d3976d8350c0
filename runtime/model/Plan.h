//===- Plan.h - Executable plan of a whole model -----------------*- C++ -*-===//
//
// A plan is what compiler/Plan makes of a model's `@forward` after fusion:
// a flat list of steps in execution order over numbered values. A value is a
// model input (named by its attn.name), a weight (named by its attn.weight
// op, bound from a weight file at load time), a constant (its bytes are in
// the plan) or a temporary (produced by one step). Shapes are the declared
// MLIR types with -1 for dynamic sizes; the executor infers the actual
// shapes at run time from the inputs, so one plan serves every batch size
// and sequence length. Attention steps carry the attn.flash_attention
// attributes and, when the compiler produced one, the name of their
// JIT-compiled CPU kernel.
//
// Plans print to, and parse from, a line-oriented text form (docs/models.md)
// so that a compiled model can be saved and run by the LLVM-free runtime.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_MODEL_PLAN_H
#define ATTNC_RUNTIME_MODEL_PLAN_H

#include "runtime/core/DType.h"
#include "runtime/core/Status.h"
#include "runtime/model/Attention.h"
#include "runtime/model/Kernels.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::rt::model {

enum class ValueKind : uint8_t { Input, Weight, Constant, Temp };

struct Value {
  ValueKind kind = ValueKind::Temp;
  /// Input: its attn.name; Weight: its attn.weight name; else empty.
  std::string name;
  DType dtype = DType::F32;
  /// Declared shape; -1 for a dynamic size. Rank 0 for i64 scalars.
  std::vector<int64_t> shape;
  /// Constants only: the contiguous little-endian bytes.
  std::vector<uint8_t> data;
};

enum class StepKind : uint8_t {
  Linear,     // [x, w, bias?]
  LayerNorm,  // [x, gamma, beta]
  RMSNorm,    // [x, gamma]
  Activation, // [x]
  GLU,        // [gate, up]
  Add,        // [lhs, rhs]
  Embedding,  // [table, ids]
  Positions,  // [x, table?, offset?]
  Rope,       // [x, offset?]
  SplitHeads, // [x]
  MergeHeads, // [x]
  ConcatSeq,  // [lhs, rhs]
  SeqProject, // [x, proj]
  Softmax,    // [x]
  QK,         // [q, k]
  Scale,      // [scores]
  ScoreMod,   // [scores, query?, aux x 11]
  Mask,       // [scores, aux x 11]
  PV,         // [probs, v]
  Attention,  // [q, k, v, aux x 11] -> [out, lse?]
};
const char *stepKindName(StepKind k);
bool parseStepKind(const std::string &name, StepKind &out);

/// Number of auxiliary operand slots (attn.flash_attention order).
constexpr int kNumAux = 11;
const char *auxSlotName(int slot);

struct Step {
  StepKind kind = StepKind::Add;
  /// Value ids; -1 marks an absent optional operand.
  std::vector<int32_t> operands;
  std::vector<int32_t> results;
  float epsilon = 0;              // layer_norm, rms_norm
  Activation activation = Activation::GELU; // activation, glu
  int64_t numHeads = 0;           // split_heads
  float theta = 0;                // rope
  int64_t rotaryDim = 0;          // rope
  AttentionSpec attention;        // attention (all), scale (scale),
                                  // score_mod (modifiers, bottom_right),
                                  // mask (mask, bottom_right)
  std::string kernel;             // attention: JIT kernel symbol, if any
  std::string loc;                // source location for messages
};

struct Plan {
  std::vector<Value> values;
  std::vector<Step> steps;
  /// Input values in @forward's argument order.
  std::vector<int32_t> inputs;
  /// (name, value id) of @forward's results.
  std::vector<std::pair<std::string, int32_t>> outputs;

  /// "step 12 (linear at model.attn:3:5)" for messages.
  std::string describeStep(size_t index) const;
  /// Structural checks: operand counts per kind, ids in range, every value
  /// defined before use and exactly once. Plans from a file go through this.
  Status verify() const;
};

/// The text form (docs/models.md). print(parse(x)) == x for printed plans.
std::string printPlan(const Plan &plan);
Result<Plan> parsePlan(const std::string &text, const std::string &sourceName);

/// Expected operand count of a step kind (optional operands included).
size_t stepOperandCount(StepKind kind);

} // namespace attnc::rt::model

#endif // ATTNC_RUNTIME_MODEL_PLAN_H
