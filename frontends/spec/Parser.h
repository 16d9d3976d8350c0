//===- Parser.h - Recursive-descent parser for .attn specs ------*- C++ -*-===//
//
// Builds the generic syntax tree of AST.h. Syntax errors are reported at the
// offending token through DiagEmitter; the parser stops at the first syntax
// error of a block but resumes at the next top-level block, so one run shows
// errors from several definitions. Nesting is bounded (kMaxDepth) so deeply
// nested input gets a diagnostic instead of a stack overflow.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTENDS_SPEC_PARSER_H
#define ATTNC_FRONTENDS_SPEC_PARSER_H

#include "frontends/spec/AST.h"
#include "frontends/spec/Diagnostics.h"
#include "frontends/spec/Lexer.h"

#include <optional>

namespace attnc::spec {

class Parser {
public:
  /// Deepest nesting of blocks, calls, lists, parentheses and unary minus.
  static constexpr unsigned kMaxDepth = 64;
  /// Deepest expression tree (left-associative chains such as `1 + 1 + ...`
  /// nest without recursion in the parser but with it everywhere else).
  static constexpr unsigned kMaxHeight = 256;

  Parser(llvm::StringRef buffer, DiagEmitter &diag);

  /// Parses the whole buffer. Returns the (possibly partial) tree; check
  /// `diag.failed()` to know whether it is complete.
  File parseFile();

private:
  void consume();
  const Token &peekNext();
  static std::string describe(const Token &tok);
  bool expect(Tok kind, llvm::StringRef what);
  void errorAtCurrent(llvm::StringRef message);
  bool enter(); // depth guard; false (with an error) when too deep
  void leave() { --depth; }

  BlockPtr parseBlock();
  bool parseBody(Block &block);
  ExprPtr parseExpr();
  ExprPtr parseBinary(int minPrec);
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  bool parseArgs(Expr &call);
  /// Computes `e`'s height; false (with an error) when it is too tall.
  bool checkHeight(Expr &e);

  Lexer lexer;
  DiagEmitter &diag;
  Token cur;
  std::optional<Token> ahead;
  unsigned depth = 0;
  bool failedBlock = false;
};

/// Parses `buffer`; false when any syntax error was reported.
bool parseSpec(llvm::StringRef buffer, DiagEmitter &diag, File &out);

} // namespace attnc::spec

#endif // ATTNC_FRONTENDS_SPEC_PARSER_H
