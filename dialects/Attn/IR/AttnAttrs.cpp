//===- AttnAttrs.cpp - Masks, score modifiers, tiling ---------------------===//
//
// Attribute verifiers and the mask/modifier vocabulary (which auxiliary
// operand each attribute reads). Verifier messages name the parameter and
// its value.
//
//===----------------------------------------------------------------------===//
#include "dialects/Attn/IR/AttnAttrs.h"
#include "dialects/Attn/IR/AttnDialect.h"
#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

#include "dialects/Attn/IR/AttnEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Attn/IR/AttnAttrs.cpp.inc"

void AttnDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Attn/IR/AttnAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

LogicalResult WindowMaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                     int64_t left, int64_t right) {
  if (left < 0 || right < 0)
    return emitError() << "window bounds must be non-negative, got left = " << left
                       << ", right = " << right;
  return success();
}

LogicalResult StridedMaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                      int64_t stride) {
  if (stride <= 0)
    return emitError() << "strided mask needs a positive stride, got " << stride;
  return success();
}

LogicalResult BlockSparseMaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                          int64_t block) {
  if (block <= 0)
    return emitError() << "block_sparse mask needs a positive block size, got " << block;
  return success();
}

LogicalResult Local2DMaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                      int64_t width, int64_t blockH, int64_t blockW,
                                      int64_t memTop, int64_t memLeft, int64_t memRight,
                                      int64_t causal) {
  if (width <= 0 || blockH <= 0 || blockW <= 0)
    return emitError() << "local2d needs positive width and block sizes, got width = " << width
                       << ", block_h = " << blockH << ", block_w = " << blockW;
  if (memTop < 0 || memLeft < 0 || memRight < 0)
    return emitError() << "local2d memory flanks must be non-negative, got mem_top = " << memTop
                       << ", mem_left = " << memLeft << ", mem_right = " << memRight;
  if (causal != 0 && causal != 1)
    return emitError() << "local2d causal must be 0 or 1, got " << causal;
  return success();
}

static LogicalResult verifyMaskList(function_ref<InFlightDiagnostic()> emitError,
                                    StringRef kind, ArrayRef<Attribute> masks) {
  if (masks.size() < 2)
    return emitError() << "'" << kind << "' mask needs at least two members, got " << masks.size();
  for (Attribute m : masks)
    if (!isMaskAttr(m))
      return emitError() << "'" << kind << "' member " << m << " is not a mask attribute";
  return success();
}

LogicalResult AndMaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<Attribute> masks) {
  return verifyMaskList(emitError, "and", masks);
}

LogicalResult OrMaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<Attribute> masks) {
  return verifyMaskList(emitError, "or", masks);
}

LogicalResult RelEmbAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t maxDistance) {
  if (maxDistance < 0)
    return emitError() << "rel_emb max_distance must be non-negative, got " << maxDistance;
  return success();
}

LogicalResult T5BiasAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t numBuckets, int64_t maxDistance, int64_t bidirectional) {
  if (numBuckets < 2)
    return emitError() << "t5_bias needs at least 2 buckets, got " << numBuckets;
  if (bidirectional != 0 && bidirectional != 1)
    return emitError() << "t5_bias bidirectional must be 0 or 1, got " << bidirectional;
  if (bidirectional && numBuckets % 2 != 0)
    return emitError() << "bidirectional t5_bias needs an even bucket count, got " << numBuckets;
  if (maxDistance <= 0)
    return emitError() << "t5_bias max_distance must be positive, got " << maxDistance;
  return success();
}

LogicalResult SoftcapAttr::verify(function_ref<InFlightDiagnostic()> emitError, llvm::APFloat capValue) {
  double cap = capValue.convertToDouble();
  if (!(cap > 0.0) || std::isinf(cap))
    return emitError() << "softcap cap must be positive and finite, got " << cap;
  return success();
}

LogicalResult TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t qTile,
                                 int64_t kTile, TileSchedule schedule,
                                 std::optional<int64_t> diagLo, std::optional<int64_t> diagHi,
                                 std::optional<int64_t> liveTiles,
                                 std::optional<int64_t> fullTiles, int64_t partial) {
  if (qTile <= 0 || kTile <= 0)
    return emitError() << "tile sizes must be positive, got q_tile = " << qTile
                       << ", k_tile = " << kTile;
  if (schedule == TileSchedule::dense && (diagLo || diagHi))
    return emitError() << "diag_lo/diag_hi are only meaningful with schedule = band or runtime";
  if (partial != 0 && partial != 1)
    return emitError() << "partial must be 0 or 1, got " << partial;
  if (partial && schedule != TileSchedule::band)
    return emitError() << "partial = 1 is only meaningful with schedule = band";
  if (partial && fullTiles && *fullTiles != 0)
    return emitError() << "a partial band has no full tiles, got full_tiles = " << *fullTiles;
  if (diagLo && diagHi && *diagLo > *diagHi)
    return emitError() << "empty band: diag_lo = " << *diagLo << " > diag_hi = " << *diagHi;
  if (liveTiles && fullTiles && *fullTiles > *liveTiles)
    return emitError() << "full_tiles = " << *fullTiles << " exceeds live_tiles = " << *liveTiles;
  return success();
}

//===----------------------------------------------------------------------===//
// Vocabulary
//===----------------------------------------------------------------------===//

StringRef mlir::attn::stringifyAuxOperand(AuxOperand aux) {
  static constexpr const char *names[kNumAuxOperands] = {
      "kv_lengths", "prefix_lengths", "q_segments", "kv_segments", "adjacency", "block_layout",
      "mask_tensor", "bias", "alibi_slopes", "rel_emb", "rel_bias"};
  return names[static_cast<unsigned>(aux)];
}

bool mlir::attn::isMaskAttr(Attribute attr) {
  return isa_and_nonnull<CausalMaskAttr, WindowMaskAttr, PaddingMaskAttr, StridedMaskAttr,
                         BlockSparseMaskAttr, PrefixLMMaskAttr, DocumentMaskAttr, GraphMaskAttr,
                         Local2DMaskAttr, ExplicitMaskAttr, AndMaskAttr, OrMaskAttr>(attr);
}

bool mlir::attn::isModifierAttr(Attribute attr) {
  return isa_and_nonnull<AlibiAttr, RelEmbAttr, T5BiasAttr, SoftcapAttr, BiasAttr>(attr);
}

AuxSet mlir::attn::getRequiredAux(Attribute attr) {
  return TypeSwitch<Attribute, AuxSet>(attr)
      .Case<PaddingMaskAttr>([](auto) { return auxBit(AuxOperand::KvLengths); })
      .Case<PrefixLMMaskAttr>([](auto) { return auxBit(AuxOperand::PrefixLengths); })
      .Case<DocumentMaskAttr>([](auto) { return auxBit(AuxOperand::QSegments); })
      .Case<GraphMaskAttr>([](auto) { return auxBit(AuxOperand::Adjacency); })
      .Case<BlockSparseMaskAttr>([](auto) { return auxBit(AuxOperand::BlockLayout); })
      .Case<ExplicitMaskAttr>([](auto) { return auxBit(AuxOperand::MaskTensor); })
      .Case<BiasAttr>([](auto) { return auxBit(AuxOperand::Bias); })
      .Case<AlibiAttr>([](auto) { return auxBit(AuxOperand::AlibiSlopes); })
      .Case<RelEmbAttr>([](auto) { return auxBit(AuxOperand::RelEmb); })
      .Case<T5BiasAttr>([](auto) { return auxBit(AuxOperand::RelBias); })
      .Case<AndMaskAttr, OrMaskAttr>([](auto list) {
        AuxSet set = 0;
        for (Attribute m : list.getMasks())
          set |= getRequiredAux(m);
        return set;
      })
      .Default([](Attribute) { return AuxSet(0); });
}

bool mlir::attn::isDataDependentMask(Attribute mask) {
  return getRequiredAux(mask) != 0;
}
