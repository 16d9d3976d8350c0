//===- WeightFile.cpp - Model weights from a safetensors file -------------===//
#include "runtime/model/WeightFile.h"

#include "runtime/weights/Safetensors.h"

#include <cstdint>
#include <map>
#include <mutex>

namespace attnc::rt::model {

namespace {

class SafetensorsWeights : public WeightSource {
public:
  SafetensorsWeights(SafetensorsFile file, std::string path)
      : file_(std::move(file)), path_(std::move(path)) {}

  Result<TensorView> find(const std::string &name) const override {
    if (!file_.find(name))
      return notFound("no tensor '" + name + "' in " + path_);
    ATTNC_RT_ASSIGN_OR_RETURN(TensorView v, file_.view(name));
    if (reinterpret_cast<uintptr_t>(v.data()) % dtypeSize(v.dtype()) == 0)
      return v;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = copies_.find(name);
    if (it == copies_.end()) {
      ATTNC_RT_ASSIGN_OR_RETURN(HostTensor h, file_.load(name));
      it = copies_.emplace(name, std::move(h)).first;
    }
    return it->second.view();
  }

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const SafetensorsEntry &e : file_.tensors())
      out.push_back(e.name);
    return out;
  }

  std::string describe() const override { return path_; }

private:
  SafetensorsFile file_;
  std::string path_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, HostTensor> copies_;
};

} // namespace

Result<std::shared_ptr<WeightSource>> openWeightFile(const std::string &path) {
  ATTNC_RT_ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::open(path));
  return std::shared_ptr<WeightSource>(
      std::make_shared<SafetensorsWeights>(std::move(file), path));
}

} // namespace attnc::rt::model
