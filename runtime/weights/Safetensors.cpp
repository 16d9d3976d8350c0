//===- Safetensors.cpp - Memory-mapped safetensors weights ----------------===//
//
// nlohmann::json is used only through its non-throwing entry points
// (parse with allow_exceptions=false, is_*/get_ptr checks before every get):
// the runtime is built with -fno-exceptions, where a throw would abort.
//
//===----------------------------------------------------------------------===//
#include "runtime/weights/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

namespace attnc::rt {

using json = nlohmann::json;

const char *safetensorsDTypeName(DType t) {
  switch (t) {
  case DType::F64:
    return "F64";
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::I64:
    return "I64";
  case DType::I32:
    return "I32";
  case DType::I8:
    return "I8";
  case DType::U8:
    return "U8";
  case DType::Bool:
    return "BOOL";
  }
  return nullptr;
}

static std::optional<DType> dtypeFromSafetensors(const std::string &s) {
  for (DType t : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                  DType::I32, DType::I8, DType::U8, DType::Bool})
    if (s == safetensorsDTypeName(t))
      return t;
  return std::nullopt;
}

/// Validates one header entry; `fail` prefixes messages with its name.
static Status parseEntry(const std::string &name, const json &value,
                         uint64_t dataSize, SafetensorsEntry &entry) {
  auto fail = [&](StatusCode code, const std::string &what) {
    return Status(code, "tensor '" + name + "': " + what);
  };
  if (!value.is_object())
    return fail(StatusCode::Corrupt, "header entry is not a JSON object");
  auto dtypeIt = value.find("dtype");
  auto shapeIt = value.find("shape");
  auto offsetsIt = value.find("data_offsets");
  const std::string *dtypeName =
      dtypeIt != value.end() ? dtypeIt->get_ptr<const std::string *>() : nullptr;
  if (!dtypeName)
    return fail(StatusCode::Corrupt, "missing or non-string 'dtype'");
  std::optional<DType> dtype = dtypeFromSafetensors(*dtypeName);
  if (!dtype)
    return fail(StatusCode::Unsupported,
                "unsupported dtype '" + *dtypeName +
                    "' (supported: F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)");
  if (shapeIt == value.end() || !shapeIt->is_array())
    return fail(StatusCode::Corrupt, "missing or non-array 'shape'");
  if (shapeIt->size() > size_t(kMaxRank))
    return fail(StatusCode::Unsupported,
                "rank " + std::to_string(shapeIt->size()) +
                    " exceeds the runtime's maximum rank " +
                    std::to_string(kMaxRank));
  uint64_t numElements = 1;
  const uint64_t limit = std::numeric_limits<int64_t>::max() / 8;
  for (const json &d : *shapeIt) {
    if (!d.is_number_unsigned())
      return fail(StatusCode::Corrupt,
                  "shape entry " + d.dump(-1, ' ', false,
                                          json::error_handler_t::replace) +
                      " is not a non-negative integer");
    uint64_t dim = d.get<uint64_t>();
    if (dim > limit || (dim && numElements > limit / dim))
      return fail(StatusCode::Corrupt, "shape has too many elements");
    numElements *= dim;
    entry.shape.push_back(int64_t(dim));
  }
  if (offsetsIt == value.end() || !offsetsIt->is_array() ||
      offsetsIt->size() != 2 || !(*offsetsIt)[0].is_number_unsigned() ||
      !(*offsetsIt)[1].is_number_unsigned())
    return fail(StatusCode::Corrupt,
                "'data_offsets' must be two non-negative integers");
  entry.begin = (*offsetsIt)[0].get<uint64_t>();
  entry.end = (*offsetsIt)[1].get<uint64_t>();
  std::string range = "[" + std::to_string(entry.begin) + ", " +
                      std::to_string(entry.end) + ")";
  if (entry.begin > entry.end)
    return fail(StatusCode::Corrupt, "data_offsets " + range + " are reversed");
  if (entry.end > dataSize)
    return fail(StatusCode::Corrupt,
                "data_offsets " + range + " run past the " +
                    std::to_string(dataSize) +
                    "-byte data section (truncated file?)");
  uint64_t need = numElements * dtypeSize(*dtype);
  if (entry.end - entry.begin != need)
    return fail(StatusCode::Corrupt,
                "data_offsets " + range + " hold " +
                    std::to_string(entry.end - entry.begin) + " bytes but " +
                    *dtypeName + " shape needs " + std::to_string(need));
  entry.name = name;
  entry.dtype = *dtype;
  return Status::success();
}

Result<SafetensorsFile> SafetensorsFile::parse(const uint8_t *data, size_t size,
                                               const std::string &name) {
  auto fail = [&](const Status &st) { return st.withContext(name); };
  if (size < 8)
    return fail(corrupt("file is " + std::to_string(size) +
                        " bytes, too short for a safetensors header"));
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | data[i];
  if (headerLen > kMaxSafetensorsHeaderBytes)
    return fail(corrupt("header length " + std::to_string(headerLen) +
                        " exceeds the " +
                        std::to_string(kMaxSafetensorsHeaderBytes) +
                        "-byte limit"));
  if (headerLen > size - 8)
    return fail(corrupt("header length " + std::to_string(headerLen) +
                        " runs past the end of the file (" +
                        std::to_string(size) + " bytes)"));
  const char *header = reinterpret_cast<const char *>(data + 8);
  if (headerLen == 0 || header[0] != '{')
    return fail(corrupt("header is not a JSON object"));

  // nlohmann keeps the last of duplicate keys silently; a duplicated tensor
  // name is a corrupt file, so catch it while parsing.
  std::set<std::string> seen;
  std::string duplicate;
  json::parser_callback_t onEvent = [&](int depth, json::parse_event_t event,
                                        json &parsed) {
    if (event == json::parse_event_t::key && depth == 1) {
      if (const std::string *key = parsed.get_ptr<const std::string *>())
        if (!seen.insert(*key).second && duplicate.empty())
          duplicate = *key;
    }
    return true;
  };
  json root = json::parse(header, header + headerLen, onEvent,
                          /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return fail(corrupt("header is not valid JSON"));
  if (!duplicate.empty())
    return fail(corrupt("tensor '" + duplicate + "' appears twice"));

  SafetensorsFile file;
  file.name_ = name;
  file.dataSection_ = data + 8 + headerLen;
  uint64_t dataSize = size - 8 - headerLen;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object())
        return fail(corrupt("'__metadata__' is not a JSON object"));
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        const std::string *v = m.value().get_ptr<const std::string *>();
        if (!v)
          return fail(corrupt("metadata '" + m.key() + "' is not a string"));
        file.metadata_[m.key()] = *v;
      }
      continue;
    }
    SafetensorsEntry entry;
    if (Status st = parseEntry(it.key(), it.value(), dataSize, entry); !st.ok())
      return fail(st);
    file.entries_.push_back(std::move(entry));
  }
  // Overlap check on entries sorted by offset; then by name for lookup.
  std::vector<const SafetensorsEntry *> byOffset;
  for (const SafetensorsEntry &e : file.entries_)
    byOffset.push_back(&e);
  std::sort(byOffset.begin(), byOffset.end(), [](auto *a, auto *b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i]->begin < byOffset[i - 1]->end)
      return fail(corrupt("tensors '" + byOffset[i - 1]->name + "' and '" +
                          byOffset[i]->name + "' overlap"));
  std::sort(file.entries_.begin(), file.entries_.end(),
            [](const auto &a, const auto &b) { return a.name < b.name; });
  return file;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  ATTNC_RT_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
  ATTNC_RT_ASSIGN_OR_RETURN(
      SafetensorsFile file,
      parse(mapped.data(), mapped.size(), "'" + path + "'"));
  file.file_ = std::move(mapped); // The mapping's address does not change.
  return file;
}

const SafetensorsEntry *SafetensorsFile::find(const std::string &name) const {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), name,
      [](const SafetensorsEntry &e, const std::string &n) { return e.name < n; });
  return it != entries_.end() && it->name == name ? &*it : nullptr;
}

Result<TensorView> SafetensorsFile::view(const std::string &name) const {
  const SafetensorsEntry *e = find(name);
  if (!e)
    return notFound(name_ + ": no tensor named '" + name + "'");
  // const_cast: TensorView has no const flavour; the header says read-only.
  return TensorView::contiguous(
      e->dtype, e->shape, const_cast<uint8_t *>(dataSection_ + e->begin));
}

Result<HostTensor> SafetensorsFile::load(const std::string &name) const {
  ATTNC_RT_ASSIGN_OR_RETURN(TensorView v, view(name));
  return HostTensor::copyOf(v);
}

Status writeSafetensors(
    const std::string &path,
    const std::vector<std::pair<std::string, TensorView>> &tensors,
    const std::map<std::string, std::string> &metadata) {
  json header = json::object();
  if (!metadata.empty()) {
    json meta = json::object();
    for (const auto &[k, v] : metadata)
      meta[k] = v;
    header["__metadata__"] = meta;
  }
  // The format forbids holes between tensors, so alignment comes from the
  // order: widest element type first. With the data section 8-byte aligned
  // (the header padding below), every tensor then starts at a multiple of
  // its element size and readers can use views into the mapping directly.
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return dtypeSize(tensors[a].second.dtype()) > dtypeSize(tensors[b].second.dtype());
  });
  uint64_t offset = 0;
  for (size_t i : order) {
    const auto &[name, view] = tensors[i];
    if (name.empty() || name == "__metadata__")
      return invalidArgument("invalid safetensors tensor name '" + name + "'");
    if (header.contains(name))
      return invalidArgument("tensor '" + name + "' is written twice");
    const char *dtype = safetensorsDTypeName(view.dtype());
    if (!dtype)
      return unsupported(std::string("safetensors cannot store ") +
                         dtypeName(view.dtype()));
    uint64_t bytes = view.sizeInBytes();
    header[name] = {{"dtype", dtype},
                    {"shape", view.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump(-1, ' ', false, json::error_handler_t::replace);
  text.append((8 - text.size() % 8) % 8, ' '); // Align the data section.
  std::vector<uint8_t> out(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i)
    out[size_t(i)] = uint8_t(uint64_t(text.size()) >> (8 * i));
  std::memcpy(out.data() + 8, text.data(), text.size());
  uint8_t *data = out.data() + 8 + text.size();
  for (size_t i : order) {
    const TensorView &view = tensors[i].second;
    ATTNC_RT_ASSIGN_OR_RETURN(
        TensorView dst, TensorView::contiguous(view.dtype(), view.shape(), data));
    ATTNC_RT_RETURN_IF_ERROR(copyElements(view, dst));
    data += view.sizeInBytes();
  }
  return writeFileAtomic(path, {{out.data(), out.size()}});
}

} // namespace attnc::rt
