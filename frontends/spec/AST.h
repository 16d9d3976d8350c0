//===- AST.h - Syntax tree of the .attn spec language -----------*- C++ -*-===//
//
// The .attn syntax is deliberately generic: a file is a list of blocks
// (`model NAME { ... }`, `kernel NAME { ... }`), a block holds `key = expr`
// entries and nested blocks (`decoder { ... }`, `layer 3 { ... }`), and
// expressions are literals, names, calls with keyword arguments, lists and
// a few binary operators. What the keys mean is decided by Sema, so the
// parser stays small and every node keeps the location it came from.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTENDS_SPEC_AST_H
#define ATTNC_FRONTENDS_SPEC_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnc::spec {

/// A 1-based line and column in the spec buffer.
struct SrcLoc {
  unsigned line = 1;
  unsigned col = 1;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `name = value` inside a call, or a positional `value` (empty name).
struct Arg {
  std::string name;
  SrcLoc loc;
  ExprPtr value;
};

struct Expr {
  enum class Kind { Int, Float, String, Ident, Call, List, Neg, Binary };
  Kind kind;
  SrcLoc loc;
  int64_t intValue = 0;   // Int
  double floatValue = 0;  // Float
  std::string text;       // Ident / Call name / String contents
  char op = 0;            // Binary: one of + - * / & |
  std::vector<Arg> args;  // Call
  std::vector<ExprPtr> elems; // List; Neg has one operand; Binary has two
  unsigned height = 1;        // longest path to a leaf; bounded by the parser

  Expr(Kind kind, SrcLoc loc) : kind(kind), loc(loc) {}
  ~Expr();
  bool isIdent(llvm::StringRef name) const { return kind == Kind::Ident && text == name; }
};

struct Entry {
  std::string key;
  SrcLoc loc;
  ExprPtr value;
};

struct Block;
using BlockPtr = std::unique_ptr<Block>;

/// `kind [name | selector] { entries and blocks }`.
struct Block {
  std::string kind;
  SrcLoc loc;
  std::string name;       // `model gpt2 { }` -> "gpt2"
  SrcLoc nameLoc;
  ExprPtr selector;       // `layer [1, 3] { }` -> the list
  std::vector<Entry> entries;
  std::vector<BlockPtr> blocks;
};

struct File {
  std::vector<BlockPtr> blocks;
};

/// Prints the tree with locations, one node per line (`attnc --emit=ast`).
void dumpAST(const File &file, llvm::raw_ostream &os);

} // namespace attnc::spec

#endif // ATTNC_FRONTENDS_SPEC_AST_H
