//===- Npy.cpp - NumPy .npy tensor files ----------------------------------===//
//
// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// parsed here by a tiny recursive-descent reader that accepts exactly the
// literal forms numpy writes (strings, True/False, tuples of integers), so
// any other input is an error rather than undefined behaviour.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/Npy.h"

#include "runtime/core/File.h"

#include <cstring>
#include <limits>
#include <map>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the attnc runtime assumes a little-endian host"
#endif

namespace attnc::rt {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

/// One value of the header dict.
struct PyValue {
  enum Kind { String, Bool, Tuple } kind = String;
  std::string str;
  bool boolean = false;
  std::vector<int64_t> ints;
};

class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : s(text) {}

  Status parseDict(std::map<std::string, PyValue> &out) {
    skipSpace();
    if (!consume('{'))
      return error("expected '{'");
    for (;;) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      ATTNC_RT_RETURN_IF_ERROR(parseString(key));
      skipSpace();
      if (!consume(':'))
        return error("expected ':' after key '" + key + "'");
      PyValue v;
      ATTNC_RT_RETURN_IF_ERROR(parseValue(v));
      if (!out.emplace(key, std::move(v)).second)
        return error("duplicate key '" + key + "'");
      skipSpace();
      if (consume('}'))
        break;
      if (!consume(','))
        return error("expected ',' or '}'");
    }
    skipSpace();
    if (pos != s.size())
      return error("trailing characters after the dict");
    return Status::success();
  }

private:
  Status error(const std::string &what) const {
    return corrupt("malformed header at offset " + std::to_string(pos) +
                   ": " + what);
  }
  void skipSpace() {
    while (pos < s.size() &&
           (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\t'))
      ++pos;
  }
  bool consume(char c) {
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool consumeWord(const char *w) {
    size_t n = std::strlen(w);
    if (s.compare(pos, n, w) == 0) {
      pos += n;
      return true;
    }
    return false;
  }
  Status parseString(std::string &out) {
    char quote = pos < s.size() ? s[pos] : '\0';
    if (quote != '\'' && quote != '"')
      return error("expected a quoted string");
    size_t end = s.find(quote, pos + 1);
    if (end == std::string::npos)
      return error("unterminated string");
    out = s.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    return Status::success();
  }
  Status parseValue(PyValue &v) {
    skipSpace();
    if (consumeWord("True")) {
      v.kind = PyValue::Bool;
      v.boolean = true;
      return Status::success();
    }
    if (consumeWord("False")) {
      v.kind = PyValue::Bool;
      v.boolean = false;
      return Status::success();
    }
    if (consume('(')) {
      v.kind = PyValue::Tuple;
      for (;;) {
        skipSpace();
        if (consume(')'))
          return Status::success();
        int64_t x;
        ATTNC_RT_RETURN_IF_ERROR(parseInt(x));
        v.ints.push_back(x);
        skipSpace();
        if (consume(')'))
          return Status::success();
        if (!consume(','))
          return error("expected ',' or ')' in shape tuple");
      }
    }
    v.kind = PyValue::String;
    return parseString(v.str);
  }
  Status parseInt(int64_t &out) {
    size_t start = pos;
    uint64_t x = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (x > (uint64_t(std::numeric_limits<int64_t>::max()) - 9) / 10)
        return error("dimension too large");
      x = x * 10 + uint64_t(s[pos] - '0');
      ++pos;
    }
    if (pos == start)
      return error("expected a non-negative integer");
    // numpy writes Python 2 longs as "3L" in old files.
    consume('L');
    out = int64_t(x);
    return Status::success();
  }

  const std::string &s;
  size_t pos = 0;
};

/// Maps a numpy descr to a DType. Multi-byte big-endian data is refused
/// rather than byte-swapped: nothing in attnc writes it.
Result<DType> dtypeFromDescr(const std::string &descr) {
  if (descr.size() < 3)
    return unsupported("unsupported dtype descr '" + descr + "'");
  char order = descr[0];
  std::string kind = descr.substr(1);
  static const std::pair<const char *, DType> table[] = {
      {"f8", DType::F64}, {"f4", DType::F32}, {"f2", DType::F16},
      {"i8", DType::I64}, {"i4", DType::I32}, {"i1", DType::I8},
      {"u1", DType::U8},  {"b1", DType::Bool}};
  for (const auto &[name, t] : table) {
    if (kind != name)
      continue;
    bool oneByte = dtypeSize(t) == 1;
    if (order == '<' || order == '=' || order == '|')
      return t;
    if (order == '>' && oneByte)
      return t;
    if (order == '>')
      return unsupported("big-endian dtype '" + descr +
                         "' is not supported (save with '<' byte order)");
  }
  return unsupported("unsupported dtype descr '" + descr +
                     "' (supported: f8, f4, f2, i8, i4, i1, u1, b1)");
}

const char *descrOf(DType t) {
  switch (t) {
  case DType::F64:
    return "<f8";
  case DType::F32:
    return "<f4";
  case DType::F16:
    return "<f2";
  case DType::I64:
    return "<i8";
  case DType::I32:
    return "<i4";
  case DType::I8:
    return "|i1";
  case DType::U8:
    return "|u1";
  case DType::Bool:
    return "|b1";
  case DType::BF16:
    return nullptr;
  }
  return nullptr;
}

uint32_t readLE(const uint8_t *p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

Result<HostTensor> parseNpy(const uint8_t *data, size_t size,
                            const std::string &sourceName) {
  auto fail = [&](const Status &st) { return st.withContext(sourceName); };
  if (size < kMagicLen + 2 || std::memcmp(data, kMagic, kMagicLen) != 0)
    return fail(corrupt("not a .npy file (bad magic)"));
  uint8_t major = data[6];
  if (major < 1 || major > 3)
    return fail(unsupported("unsupported .npy format version " +
                            std::to_string(major) + "." +
                            std::to_string(data[7])));
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicLen + 2 + lenBytes;
  if (size < prefix)
    return fail(corrupt("truncated header length"));
  size_t headerLen = readLE(data + kMagicLen + 2, int(lenBytes));
  if (headerLen > size - prefix)
    return fail(corrupt("header length " + std::to_string(headerLen) +
                        " runs past the end of the file (" +
                        std::to_string(size) + " bytes)"));
  std::string header(reinterpret_cast<const char *>(data + prefix), headerLen);

  std::map<std::string, PyValue> dict;
  if (Status st = HeaderParser(header).parseDict(dict); !st.ok())
    return fail(st);
  auto get = [&](const char *key, PyValue::Kind kind) -> const PyValue * {
    auto it = dict.find(key);
    return it != dict.end() && it->second.kind == kind ? &it->second : nullptr;
  };
  const PyValue *descr = get("descr", PyValue::String);
  const PyValue *fortran = get("fortran_order", PyValue::Bool);
  const PyValue *shape = get("shape", PyValue::Tuple);
  if (!descr || !fortran || !shape)
    return fail(corrupt("header lacks 'descr', 'fortran_order' or 'shape'"));
  Result<DType> dtype = dtypeFromDescr(descr->str);
  if (!dtype.ok())
    return fail(dtype.status());
  if (fortran->boolean)
    return fail(unsupported("Fortran-order arrays are not supported "
                            "(save with np.ascontiguousarray)"));

  Result<HostTensor> tensor = HostTensor::allocate(*dtype, shape->ints);
  if (!tensor.ok())
    return fail(tensor.status());
  size_t need = tensor->sizeInBytes();
  size_t have = size - prefix - headerLen;
  if (have != need)
    return fail(corrupt("expected " + std::to_string(need) +
                        " data bytes for " + tensor->view().describe() +
                        ", found " + std::to_string(have) +
                        (have < need ? " (truncated file)" : "")));
  if (need)
    std::memcpy(tensor->data(), data + prefix + headerLen, need);
  if (*dtype == DType::Bool) {
    const uint8_t *b = tensor->dataAs<uint8_t>();
    for (size_t i = 0; i < need; ++i)
      if (b[i] > 1)
        return fail(corrupt("bool element " + std::to_string(i) +
                            " is neither 0 nor 1"));
  }
  return tensor;
}

Result<HostTensor> readNpy(const std::string &path) {
  ATTNC_RT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readFile(path));
  return parseNpy(bytes.data(), bytes.size(), "'" + path + "'");
}

Result<std::vector<uint8_t>> serializeNpy(const TensorView &view) {
  const char *descr = descrOf(view.dtype());
  if (!descr)
    return unsupported(std::string("cannot write ") + dtypeName(view.dtype()) +
                       " to .npy: numpy has no standard descr for it "
                       "(convert to f32 first)");
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < view.rank(); ++i)
    header += (i ? ", " : "") + std::to_string(view.dim(i));
  header += view.rank() == 1 ? ",), }" : "), }";
  // numpy pads with spaces so that the data starts 64-byte aligned and the
  // header ends in '\n'; version 2.0 only when the header outgrows 16 bits.
  auto paddedLen = [&](size_t lenBytes) {
    size_t prefix = kMagicLen + 2 + lenBytes;
    return (prefix + header.size() + 1 + 63) / 64 * 64 - prefix;
  };
  size_t lenBytes = paddedLen(2) <= 0xffff ? 2 : 4;
  uint8_t major = lenBytes == 2 ? 1 : 2;
  size_t headerLen = paddedLen(lenBytes);
  header.resize(headerLen - 1, ' ');
  header += '\n';

  std::vector<uint8_t> out(kMagic, kMagic + kMagicLen);
  out.push_back(major);
  out.push_back(0);
  for (size_t i = 0; i < lenBytes; ++i)
    out.push_back(uint8_t(headerLen >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  size_t dataStart = out.size();
  out.resize(dataStart + view.sizeInBytes());
  Result<TensorView> dst =
      TensorView::contiguous(view.dtype(), view.shape(), out.data() + dataStart);
  if (!dst.ok())
    return dst.status();
  ATTNC_RT_RETURN_IF_ERROR(copyElements(view, *dst));
  return out;
}

Status writeNpy(const std::string &path, const TensorView &view) {
  Result<std::vector<uint8_t>> bytes = serializeNpy(view);
  if (!bytes.ok())
    return bytes.status().withContext("'" + path + "'");
  return writeFileAtomic(path, {{bytes->data(), bytes->size()}});
}

} // namespace attnc::rt
