//===- Lexer.h - Tokens of the .attn spec language --------------*- C++ -*-===//
//
// The .attn lexer turns a source buffer into tokens, each carrying the
// 1-based line and column where it starts. It never fails: characters that
// cannot start a token become `Tok::Error` tokens with a message, so the
// parser reports them at their exact position and binary junk cannot make
// it loop or crash.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTENDS_SPEC_LEXER_H
#define ATTNC_FRONTENDS_SPEC_LEXER_H

#include "frontends/spec/AST.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace attnc::spec {

enum class Tok {
  Eof,
  Error,
  Ident,
  Int,
  Float,
  String,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semi,
  Equal,
  Plus,
  Minus,
  Star,
  Slash,
  Amp,
  Pipe,
};

/// A printable name for diagnostics ("'{'", "identifier", ...).
llvm::StringRef tokName(Tok kind);

struct Token {
  Tok kind = Tok::Eof;
  SrcLoc loc;
  llvm::StringRef text;  // spelling in the buffer
  int64_t intValue = 0;  // Tok::Int
  double floatValue = 0; // Tok::Float
  std::string str;       // Tok::String (unescaped), Tok::Error (message)
};

class Lexer {
public:
  explicit Lexer(llvm::StringRef buffer) : buf(buffer) {}

  /// Returns the next token; after the end it keeps returning Tok::Eof.
  Token next();

private:
  char peek(size_t ahead = 0) const { return pos + ahead < buf.size() ? buf[pos + ahead] : '\0'; }
  bool atEnd() const { return pos >= buf.size(); }
  void advance();
  void skipSpaceAndComments();
  Token lexNumber(Token tok);
  Token lexString(Token tok);

  llvm::StringRef buf;
  size_t pos = 0;
  unsigned line = 1, col = 1;
};

} // namespace attnc::spec

#endif // ATTNC_FRONTENDS_SPEC_LEXER_H
