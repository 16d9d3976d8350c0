//===- Lexer.cpp - Tokens of the .attn spec language ----------------------===//
//
// Hand-written scanner. Numbers are range-checked here (a literal that does
// not fit in 64 bits is an error token, not a wrap-around), comments are `#`
// or `//` to the end of the line, and every other unexpected byte becomes an
// error token so that the parser can point at it.
//
//===----------------------------------------------------------------------===//
#include "frontends/spec/Lexer.h"

#include "llvm/ADT/StringExtras.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

using namespace attnc::spec;

llvm::StringRef attnc::spec::tokName(Tok kind) {
  switch (kind) {
  case Tok::Eof: return "end of file";
  case Tok::Error: return "invalid token";
  case Tok::Ident: return "identifier";
  case Tok::Int: return "integer";
  case Tok::Float: return "number";
  case Tok::String: return "string";
  case Tok::LBrace: return "'{'";
  case Tok::RBrace: return "'}'";
  case Tok::LParen: return "'('";
  case Tok::RParen: return "')'";
  case Tok::LBracket: return "'['";
  case Tok::RBracket: return "']'";
  case Tok::Comma: return "','";
  case Tok::Semi: return "';'";
  case Tok::Equal: return "'='";
  case Tok::Plus: return "'+'";
  case Tok::Minus: return "'-'";
  case Tok::Star: return "'*'";
  case Tok::Slash: return "'/'";
  case Tok::Amp: return "'&'";
  case Tok::Pipe: return "'|'";
  }
  return "token";
}

void Lexer::advance() {
  if (atEnd())
    return;
  if (buf[pos] == '\n') {
    ++line;
    col = 1;
  } else {
    ++col;
  }
  ++pos;
}

void Lexer::skipSpaceAndComments() {
  while (!atEnd()) {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      advance();
    } else if (c == '#' || (c == '/' && peek(1) == '/')) {
      while (!atEnd() && peek() != '\n')
        advance();
    } else {
      return;
    }
  }
}

static bool isIdentStart(char c) { return llvm::isAlpha(c) || c == '_'; }
static bool isIdentChar(char c) { return llvm::isAlnum(c) || c == '_'; }

Token Lexer::next() {
  skipSpaceAndComments();
  Token tok;
  tok.loc = {line, col};
  size_t start = pos;
  if (atEnd()) {
    tok.kind = Tok::Eof;
    return tok;
  }
  char c = peek();
  if (isIdentStart(c)) {
    while (!atEnd() && isIdentChar(peek()))
      advance();
    tok.kind = Tok::Ident;
    tok.text = buf.slice(start, pos);
    return tok;
  }
  if (llvm::isDigit(c) || (c == '.' && llvm::isDigit(peek(1))))
    return lexNumber(tok);
  if (c == '"')
    return lexString(tok);
  advance();
  tok.text = buf.slice(start, pos);
  switch (c) {
  case '{': tok.kind = Tok::LBrace; return tok;
  case '}': tok.kind = Tok::RBrace; return tok;
  case '(': tok.kind = Tok::LParen; return tok;
  case ')': tok.kind = Tok::RParen; return tok;
  case '[': tok.kind = Tok::LBracket; return tok;
  case ']': tok.kind = Tok::RBracket; return tok;
  case ',': tok.kind = Tok::Comma; return tok;
  case ';': tok.kind = Tok::Semi; return tok;
  case '=': tok.kind = Tok::Equal; return tok;
  case '+': tok.kind = Tok::Plus; return tok;
  case '-': tok.kind = Tok::Minus; return tok;
  case '*': tok.kind = Tok::Star; return tok;
  case '/': tok.kind = Tok::Slash; return tok;
  case '&': tok.kind = Tok::Amp; return tok;
  case '|': tok.kind = Tok::Pipe; return tok;
  default: break;
  }
  tok.kind = Tok::Error;
  if (llvm::isPrint(c))
    tok.str = (llvm::Twine("unexpected character '") + llvm::StringRef(&c, 1) + "'").str();
  else
    tok.str = "unexpected byte 0x" + llvm::utohexstr(static_cast<unsigned char>(c), /*LowerCase=*/true, 2);
  return tok;
}

Token Lexer::lexNumber(Token tok) {
  size_t start = pos;
  bool isFloat = false;
  while (llvm::isDigit(peek()))
    advance();
  if (peek() == '.' && llvm::isDigit(peek(1))) {
    isFloat = true;
    advance();
    while (llvm::isDigit(peek()))
      advance();
  }
  if ((peek() == 'e' || peek() == 'E') &&
      (llvm::isDigit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && llvm::isDigit(peek(2))))) {
    isFloat = true;
    advance();
    if (peek() == '+' || peek() == '-')
      advance();
    while (llvm::isDigit(peek()))
      advance();
  }
  // `12abc` is one bad token rather than `12` followed by `abc`.
  if (isIdentStart(peek())) {
    while (!atEnd() && isIdentChar(peek()))
      advance();
    tok.kind = Tok::Error;
    tok.text = buf.slice(start, pos);
    tok.str = ("malformed number '" + tok.text + "'").str();
    return tok;
  }
  tok.text = buf.slice(start, pos);
  std::string spelling = tok.text.str();
  if (isFloat) {
    errno = 0;
    double v = std::strtod(spelling.c_str(), nullptr);
    if (errno == ERANGE || !std::isfinite(v)) {
      tok.kind = Tok::Error;
      tok.str = ("number '" + tok.text + "' is out of range").str();
      return tok;
    }
    tok.kind = Tok::Float;
    tok.floatValue = v;
    return tok;
  }
  uint64_t v = 0;
  if (tok.text.getAsInteger(10, v) || v > static_cast<uint64_t>(INT64_MAX)) {
    tok.kind = Tok::Error;
    tok.str = ("integer '" + tok.text + "' does not fit in 64 bits").str();
    return tok;
  }
  tok.kind = Tok::Int;
  tok.intValue = static_cast<int64_t>(v);
  return tok;
}

Token Lexer::lexString(Token tok) {
  size_t start = pos;
  advance(); // opening quote
  std::string value;
  while (true) {
    if (atEnd() || peek() == '\n') {
      tok.kind = Tok::Error;
      tok.text = buf.slice(start, pos);
      tok.str = "unterminated string";
      return tok;
    }
    char c = peek();
    advance();
    if (c == '"')
      break;
    if (c == '\\' && !atEnd() && peek() != '\n') {
      c = peek();
      advance();
      if (c == 'n')
        c = '\n';
      else if (c == 't')
        c = '\t';
    }
    value.push_back(c);
  }
  tok.kind = Tok::String;
  tok.text = buf.slice(start, pos);
  tok.str = std::move(value);
  return tok;
}
