//===- Parser.cpp - Recursive-descent parser for .attn specs --------------===//
//
// Grammar (docs/language.md has the commented version):
//
//   file    ::= block*
//   block   ::= IDENT [IDENT | selector] '{' (entry | block)* '}'
//   entry   ::= IDENT '=' expr [';' | ',']
//   expr    ::= expr ('|' | '&' | '+' | '-' | '*' | '/') expr | '-' expr
//             | INT | FLOAT | STRING | IDENT ['(' [arg (',' arg)*] ')']
//             | '[' [expr (',' expr)*] ']' | '(' expr ')'
//   arg     ::= [IDENT '='] expr
//
// Binary operators bind, loosest first: `|`, `&`, `+ -`, `* /`.
//
//===----------------------------------------------------------------------===//
#include "frontends/spec/Parser.h"

#include <algorithm>

using namespace attnc::spec;

Parser::Parser(llvm::StringRef buffer, DiagEmitter &diag) : lexer(buffer), diag(diag) { consume(); }

void Parser::consume() {
  if (ahead) {
    cur = std::move(*ahead);
    ahead.reset();
    return;
  }
  cur = lexer.next();
}

const Token &Parser::peekNext() {
  if (!ahead)
    ahead = lexer.next();
  return *ahead;
}

void Parser::errorAtCurrent(llvm::StringRef message) {
  if (failedBlock)
    return;
  failedBlock = true;
  if (cur.kind == Tok::Error)
    diag.error(cur.loc) << cur.str;
  else
    diag.error(cur.loc) << message;
}

bool Parser::expect(Tok kind, llvm::StringRef what) {
  if (cur.kind == kind) {
    consume();
    return true;
  }
  errorAtCurrent(("expected " + what + ", found " + describe(cur)).str());
  return false;
}

std::string Parser::describe(const Token &tok) {
  if (tok.kind == Tok::Eof)
    return "end of file";
  return ("'" + tok.text + "'").str();
}

bool Parser::enter() {
  if (++depth > kMaxDepth) {
    errorAtCurrent("nesting is deeper than " + std::to_string(kMaxDepth) + " levels");
    return false;
  }
  return true;
}

File Parser::parseFile() {
  File file;
  while (cur.kind != Tok::Eof && !diag.shouldStop()) {
    failedBlock = false;
    depth = 0;
    if (BlockPtr block = parseBlock()) {
      file.blocks.push_back(std::move(block));
      continue;
    }
    // Resynchronise at the next definition that starts a line, so that one
    // syntax error does not hide the errors of the following definitions.
    consume();
    while (cur.kind != Tok::Eof && !(cur.kind == Tok::Ident && cur.loc.col == 1 &&
                                     (cur.text == "model" || cur.text == "kernel")))
      consume();
  }
  return file;
}

BlockPtr Parser::parseBlock() {
  if (cur.kind != Tok::Ident) {
    errorAtCurrent("expected a definition such as 'model NAME {' or 'kernel NAME {', found " + describe(cur));
    return nullptr;
  }
  if (!enter())
    return nullptr;
  auto block = std::make_unique<Block>();
  block->kind = cur.text.str();
  block->loc = cur.loc;
  consume();
  if (cur.kind == Tok::Ident && peekNext().kind == Tok::LBrace) {
    block->name = cur.text.str();
    block->nameLoc = cur.loc;
    consume();
  } else if (cur.kind != Tok::LBrace) {
    block->nameLoc = cur.loc;
    block->selector = parseExpr();
    if (!block->selector)
      return nullptr;
  }
  if (!expect(Tok::LBrace, "'{'") || !parseBody(*block))
    return nullptr;
  leave();
  return block;
}

bool Parser::parseBody(Block &block) {
  while (cur.kind != Tok::RBrace) {
    if (cur.kind != Tok::Ident) {
      errorAtCurrent(cur.kind == Tok::Eof ? "expected '}' to close '" + block.kind + "' block, found end of file"
                                          : "expected a key or a block, found " + describe(cur));
      return false;
    }
    if (peekNext().kind == Tok::Equal) {
      Entry entry;
      entry.key = cur.text.str();
      entry.loc = cur.loc;
      consume();
      consume(); // '='
      entry.value = parseExpr();
      if (!entry.value)
        return false;
      if (cur.kind == Tok::Semi || cur.kind == Tok::Comma)
        consume();
      block.entries.push_back(std::move(entry));
      continue;
    }
    BlockPtr nested = parseBlock();
    if (!nested)
      return false;
    block.blocks.push_back(std::move(nested));
  }
  consume(); // '}'
  return true;
}

static int precedence(Tok kind) {
  switch (kind) {
  case Tok::Pipe: return 1;
  case Tok::Amp: return 2;
  case Tok::Plus:
  case Tok::Minus: return 3;
  case Tok::Star:
  case Tok::Slash: return 4;
  default: return 0;
  }
}

ExprPtr Parser::parseExpr() { return parseBinary(1); }

ExprPtr Parser::parseBinary(int minPrec) {
  ExprPtr lhs = parseUnary();
  if (!lhs)
    return nullptr;
  // Precedence climbing; the loop (not recursion) handles long chains.
  while (int prec = precedence(cur.kind)) {
    if (prec < minPrec)
      break;
    auto node = std::make_unique<Expr>(Expr::Kind::Binary, cur.loc);
    node->op = cur.text.front();
    consume();
    if (!enter())
      return nullptr;
    ExprPtr rhs = parseBinary(prec + 1);
    leave();
    if (!rhs)
      return nullptr;
    node->elems.push_back(std::move(lhs));
    node->elems.push_back(std::move(rhs));
    if (!checkHeight(*node))
      return nullptr;
    lhs = std::move(node);
  }
  return lhs;
}

ExprPtr Parser::parseUnary() {
  if (cur.kind != Tok::Minus)
    return parsePrimary();
  auto node = std::make_unique<Expr>(Expr::Kind::Neg, cur.loc);
  consume();
  if (!enter())
    return nullptr;
  ExprPtr operand = parseUnary();
  leave();
  if (!operand)
    return nullptr;
  node->elems.push_back(std::move(operand));
  if (!checkHeight(*node))
    return nullptr;
  return node;
}

ExprPtr Parser::parsePrimary() {
  SrcLoc loc = cur.loc;
  switch (cur.kind) {
  case Tok::Int: {
    auto e = std::make_unique<Expr>(Expr::Kind::Int, loc);
    e->intValue = cur.intValue;
    consume();
    return e;
  }
  case Tok::Float: {
    auto e = std::make_unique<Expr>(Expr::Kind::Float, loc);
    e->floatValue = cur.floatValue;
    consume();
    return e;
  }
  case Tok::String: {
    auto e = std::make_unique<Expr>(Expr::Kind::String, loc);
    e->text = cur.str;
    consume();
    return e;
  }
  case Tok::Ident: {
    bool isCall = peekNext().kind == Tok::LParen;
    auto e = std::make_unique<Expr>(isCall ? Expr::Kind::Call : Expr::Kind::Ident, loc);
    e->text = cur.text.str();
    consume();
    if (isCall && (!parseArgs(*e) || !checkHeight(*e)))
      return nullptr;
    return e;
  }
  case Tok::LBracket: {
    auto e = std::make_unique<Expr>(Expr::Kind::List, loc);
    consume();
    if (!enter())
      return nullptr;
    while (cur.kind != Tok::RBracket) {
      ExprPtr elem = parseExpr();
      if (!elem)
        return nullptr;
      e->elems.push_back(std::move(elem));
      if (cur.kind == Tok::Comma) {
        consume();
        continue;
      }
      if (cur.kind != Tok::RBracket) {
        errorAtCurrent("expected ',' or ']' in list, found " + describe(cur));
        return nullptr;
      }
    }
    consume();
    leave();
    if (!checkHeight(*e))
      return nullptr;
    return e;
  }
  case Tok::LParen: {
    consume();
    if (!enter())
      return nullptr;
    ExprPtr inner = parseExpr();
    if (!inner || !expect(Tok::RParen, "')'"))
      return nullptr;
    leave();
    return inner;
  }
  default:
    errorAtCurrent("expected a value, found " + describe(cur));
    return nullptr;
  }
}

bool Parser::checkHeight(Expr &e) {
  unsigned h = 0;
  for (const ExprPtr &sub : e.elems)
    h = std::max(h, sub->height);
  for (const Arg &a : e.args)
    h = std::max(h, a.value->height);
  e.height = h + 1;
  if (e.height <= kMaxHeight)
    return true;
  errorAtCurrent("expression is nested deeper than " + std::to_string(kMaxHeight) + " levels");
  return false;
}

bool Parser::parseArgs(Expr &call) {
  consume(); // '('
  if (!enter())
    return false;
  while (cur.kind != Tok::RParen) {
    Arg arg;
    arg.loc = cur.loc;
    if (cur.kind == Tok::Ident && peekNext().kind == Tok::Equal) {
      arg.name = cur.text.str();
      consume();
      consume();
    }
    arg.value = parseExpr();
    if (!arg.value)
      return false;
    call.args.push_back(std::move(arg));
    if (cur.kind == Tok::Comma) {
      consume();
      continue;
    }
    if (cur.kind != Tok::RParen) {
      errorAtCurrent("expected ',' or ')' after argument, found " + describe(cur));
      return false;
    }
  }
  consume();
  leave();
  return true;
}

bool attnc::spec::parseSpec(llvm::StringRef buffer, DiagEmitter &diag, File &out) {
  unsigned before = diag.numErrors();
  Parser parser(buffer, diag);
  out = parser.parseFile();
  return diag.numErrors() == before;
}
