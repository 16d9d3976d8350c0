//===- AST.cpp - Syntax tree dump ------------------------------------------===//
//
// `attnc --emit=ast` output: one node per line, indented by depth, each with
// its `<line:col>`. Tests check it, so the format is kept stable.
//
//===----------------------------------------------------------------------===//
#include "frontends/spec/AST.h"

#include "llvm/Support/Format.h"

using namespace attnc::spec;

// Trees are at most Parser::kMaxHeight deep, so plain recursive destruction
// is safe; defined here so the bound is documented in one place.
Expr::~Expr() = default;

namespace {
struct Dumper {
  llvm::raw_ostream &os;
  unsigned indent = 0;

  llvm::raw_ostream &line() { return os.indent(indent * 2); }
  static std::string at(SrcLoc l) { return "<" + std::to_string(l.line) + ":" + std::to_string(l.col) + ">"; }

  void expr(const Expr &e) {
    switch (e.kind) {
    case Expr::Kind::Int: line() << "Int " << e.intValue; break;
    case Expr::Kind::Float: line() << "Float " << llvm::format("%g", e.floatValue); break;
    case Expr::Kind::String: line() << "String \"" << e.text << "\""; break;
    case Expr::Kind::Ident: line() << "Name " << e.text; break;
    case Expr::Kind::Call: line() << "Call " << e.text; break;
    case Expr::Kind::List: line() << "List"; break;
    case Expr::Kind::Neg: line() << "Neg"; break;
    case Expr::Kind::Binary: line() << "Binary '" << e.op << "'"; break;
    }
    os << " " << at(e.loc) << "\n";
    ++indent;
    for (const Arg &a : e.args) {
      if (a.name.empty()) {
        expr(*a.value);
        continue;
      }
      line() << "Arg " << a.name << " " << at(a.loc) << "\n";
      ++indent;
      expr(*a.value);
      --indent;
    }
    for (const ExprPtr &sub : e.elems)
      expr(*sub);
    --indent;
  }

  void block(const Block &b) {
    line() << "Block " << b.kind;
    if (!b.name.empty())
      os << " " << b.name;
    os << " " << at(b.loc) << "\n";
    ++indent;
    if (b.selector) {
      line() << "Selector\n";
      ++indent;
      expr(*b.selector);
      --indent;
    }
    for (const Entry &e : b.entries) {
      line() << "Entry " << e.key << " " << at(e.loc) << "\n";
      ++indent;
      expr(*e.value);
      --indent;
    }
    for (const BlockPtr &sub : b.blocks)
      block(*sub);
    --indent;
  }
};
} // namespace

void attnc::spec::dumpAST(const File &file, llvm::raw_ostream &os) {
  Dumper d{os};
  os << "File\n";
  d.indent = 1;
  for (const BlockPtr &b : file.blocks)
    d.block(*b);
}
