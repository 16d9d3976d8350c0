//===- Executor.h - Run a model plan on the CPU ------------------*- C++ -*-===//
//
// Model = a verified Plan + its weights bound by name (checked once, at load
// time, against the shapes the plan declares) + what the executor worked out
// about the plan: when each temporary dies, and whether the model can be
// decoded incrementally with a KV cache.
//
// Session = the state of running a Model: a pool of activation buffers
// (reused across steps and calls, so decoding allocates nothing after the
// first token), and for generation the KV cache, allocated once for the
// prompt plus the requested number of new tokens.
//
// Incremental decoding is derived from the plan, not from model-specific
// code. The *stream* is the token input that feeds causal self-attention.
// A step whose operands do not depend on the stream (encoder, cross-attention
// K/V, position tables) is *invariant*: it runs once per generation and its
// result is kept. The model is *cacheable* when every stream-dependent step
// works row by row (linear, norms, activations, embeddings, positions and
// rope with an offset, head reshapes) except attention, and every
// stream-dependent attention is either causal self-attention (its new K/V
// rows are appended to the cache and the query rows attend to the cache with
// bottom_right positions) or attention to invariant K/V without positional
// masks. Anything else (Linformer projections, Transformer-XL memory,
// bidirectional self-attention, unfused score-level chains) still generates,
// by re-running the full sequence for each token; usesKVCache() says which.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_MODEL_EXECUTOR_H
#define ATTNC_RUNTIME_MODEL_EXECUTOR_H

#include "runtime/core/Status.h"
#include "runtime/core/Tensor.h"
#include "runtime/model/Plan.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attnc::rt {
class ThreadPool;
} // namespace attnc::rt

namespace attnc::rt::model {

/// Where a model's weights come from: a safetensors file, a map in memory.
class WeightSource {
public:
  virtual ~WeightSource();
  /// The tensor called `name`, or NotFound. The view stays valid as long as
  /// the source lives.
  virtual Result<TensorView> find(const std::string &name) const = 0;
  /// Every tensor name (for "did you mean" and unused-weight reports).
  virtual std::vector<std::string> names() const = 0;
  /// "w.safetensors", for messages.
  virtual std::string describe() const = 0;
};

/// Weights held in memory (tests, `attnc weights --init`).
class WeightMap : public WeightSource {
public:
  explicit WeightMap(std::string label = "weights") : label_(std::move(label)) {}
  void add(const std::string &name, HostTensor tensor);
  Result<TensorView> find(const std::string &name) const override;
  std::vector<std::string> names() const override;
  std::string describe() const override { return label_; }

private:
  std::string label_;
  std::map<std::string, HostTensor> tensors_;
};

/// Runs one attention step through a compiled kernel (the compiler side
/// installs these for steps whose `kernel` it JIT-compiled).
using AttentionKernel = std::function<Status(
    const Step &step, const TensorView &q, const TensorView &k,
    const TensorView &v, const AttentionAux &aux, const TensorView &out,
    const TensorView *lse)>;

class Model {
public:
  /// Verifies the plan and binds every weight value by name: a missing
  /// tensor or a shape that differs from the plan's is an error naming it
  /// (all missing names are listed). f16/bf16/f64 weights are converted to
  /// f32 once here.
  static Result<std::shared_ptr<Model>>
  load(Plan plan, std::shared_ptr<const WeightSource> weights);

  const Plan &plan() const { return plan_; }
  /// Bytes of weight data the model reads.
  size_t weightBytes() const { return weightBytes_; }
  /// Installs a compiled kernel for attention step `stepIndex`.
  void setAttentionKernel(size_t stepIndex, AttentionKernel kernel);

  /// True when generation can use a KV cache; otherwise why not.
  bool cacheable() const { return cacheable_; }
  const std::string &notCacheableReason() const { return notCacheableReason_; }
  /// The token input generation extends (-1: the model has no causal
  /// self-attention, so it cannot generate).
  int32_t streamInput() const { return streamInput_; }

private:
  friend class Session;
  Model() = default;
  Status bindWeights();
  void analyse();

  Plan plan_;
  std::shared_ptr<const WeightSource> weights_;
  std::vector<TensorView> bound_;          // per value: weights, constants
  std::vector<HostTensor> converted_;      // weights converted to f32
  std::vector<AttentionKernel> kernels_;   // per step
  size_t weightBytes_ = 0;

  // Analysis.
  std::vector<int32_t> lastUse_;           // per value: last step reading it
  std::vector<uint8_t> dependsOnStream_;   // per value
  enum class AttnRole : uint8_t { Plain, CachedSelf, CrossInvariant };
  std::vector<AttnRole> attnRole_;         // per step
  bool cacheable_ = false;
  std::string notCacheableReason_;
  int32_t streamInput_ = -1;
  int32_t streamLengthsInput_ = -1;        // kv_lengths of the stream, if any
  int32_t sliceValue_ = -1;                // last-row slice point for logits
  int numCachedLayers_ = 0;
};

/// Sampling settings: greedy when topK == 1 or temperature == 0.
struct GenerateOptions {
  int64_t maxNewTokens = 16;
  int64_t topK = 1;
  float temperature = 1.0f;
  uint64_t seed = 0;
  int64_t eosToken = -1;        // stop a sequence after emitting it
  bool forceNoCache = false;    // re-run the full sequence (for tests)
};

/// Per-phase timings of generate(), for benchmarks.
struct GenerateStats {
  double prefillSeconds = 0, decodeSeconds = 0;
  int64_t promptTokens = 0, generatedTokens = 0;
  bool usedCache = false;
  size_t kvCacheBytes = 0;
};

class Session {
public:
  explicit Session(std::shared_ptr<const Model> model);
  Session(std::shared_ptr<const Model> model, ThreadPool &pool);
  ~Session();

  /// One forward pass. `inputs` are matched to the plan's inputs by name;
  /// each must be given (dtype and static sizes are checked; i64 token
  /// tensors are narrowed to i32). Results stay valid until the next call.
  Status forward(const std::vector<std::pair<std::string, TensorView>> &inputs);
  /// A result of the last forward() by name (nullptr if unknown).
  const TensorView *output(const std::string &name) const;
  const TensorView *output(size_t index) const;

  /// Autoregressive generation from the stream input given in `inputs`
  /// (batch B, all rows the same length; other inputs, e.g. encoder tokens,
  /// as for forward()). Returns the B new-token sequences. The primary
  /// output must be logits [B, L, V].
  Result<std::vector<std::vector<int32_t>>>
  generate(const std::vector<std::pair<std::string, TensorView>> &inputs,
           const GenerateOptions &options, GenerateStats *stats = nullptr);

  /// Lower-level generation interface (what generate() uses):
  /// prefill() runs the prompt and sizes the KV cache for `capacity` total
  /// tokens; step() appends one token per sequence. After either,
  /// lastLogits() is [B, V] for the last position.
  Status prefill(const std::vector<std::pair<std::string, TensorView>> &inputs,
                 int64_t capacity, bool useCache = true);
  Status step(const std::vector<int32_t> &tokens);
  const TensorView &lastLogits() const { return lastLogits_; }
  bool usingCache() const { return useCache_; }
  size_t kvCacheBytes() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TensorView lastLogits_;
  bool useCache_ = false;
};

} // namespace attnc::rt::model

#endif // ATTNC_RUNTIME_MODEL_EXECUTOR_H
