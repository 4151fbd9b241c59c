#include "instance_service/rules/filter_parser.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "errors/error_status.h"
#include "instance/v1/db_servers.pb.h"
#include "instance_service/rules/record_mapping.h"
#include "instance_service/rules/request_validation.h"

namespace dbs::instance {
namespace {

using ::instance::v1::DbServer;

enum class TokenKind { kEnd, kWord, kString, kEquals, kNotEquals };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;     // the word, or the unescaped string
  size_t position = 0;  // 1-based byte position of the token's first character
};

bool IsWordChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.'; }

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

absl::Status FilterError(size_t position, absl::string_view what) {
  return errors::InvalidArgument(::instance::v1::INVALID_FILTER,
                                 {{"filter", absl::StrCat("at position ", position, ": ", what)}});
}

std::string Describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "the end of the filter";
    case TokenKind::kWord:
      return QuoteInput(token.text);
    case TokenKind::kString:
      return absl::StrCat("the string ", QuoteInput(token.text));
    case TokenKind::kEquals:
      return "\"=\"";
    case TokenKind::kNotEquals:
      return "\"!=\"";
  }
  return "";
}

// True when `text` is valid UTF-8 without control characters (tab, CR and LF
// are allowed: a quoted value is data, never SQL text).
bool IsCleanUtf8(absl::string_view text) {
  size_t code_points = 0;
  bool has_control = false;
  return ScanUtf8(text, &code_points, &has_control) && !has_control;
}

// Splits the filter into tokens on demand. Reports the first character no token
// can start with, naming the unsupported AIP-160 feature where there is one.
class Lexer {
 public:
  explicit Lexer(absl::string_view text) : text_(text) {}

  absl::StatusOr<Token> Next() {
    while (offset_ < text_.size() && IsBlank(text_[offset_])) ++offset_;
    Token token;
    token.position = offset_ + 1;
    if (offset_ == text_.size()) return token;
    const char c = text_[offset_];
    if (c == '=') {
      ++offset_;
      token.kind = TokenKind::kEquals;
      return token;
    }
    if (c == '!') {
      if (offset_ + 1 < text_.size() && text_[offset_ + 1] == '=') {
        offset_ += 2;
        token.kind = TokenKind::kNotEquals;
        return token;
      }
      return FilterError(token.position, "expected \"!=\"; a lone \"!\" is not an operator");
    }
    if (c == '"') return QuotedString(token.position);
    if (IsWordChar(c)) {
      const size_t start = offset_;
      while (offset_ < text_.size() && IsWordChar(text_[offset_])) ++offset_;
      token.kind = TokenKind::kWord;
      token.text = std::string(text_.substr(start, offset_ - start));
      return token;
    }
    return FilterError(token.position, UnexpectedCharacter(c));
  }

 private:
  static std::string UnexpectedCharacter(char c) {
    switch (c) {
      case '(':
      case ')':
        return "parentheses are not supported; join comparisons with AND";
      case ':':
        return "the has operator \":\" is not supported; use = or !=";
      case '<':
      case '>':
        return "only = and != are supported";
      case '*':
        return "wildcards are not supported; compare whole values with = or !=";
      case '\'':
        return "strings are quoted with double quotes (\"), not single quotes";
      default:
        return absl::StrCat("unexpected character ", QuoteInput(absl::string_view(&c, 1)),
                            "; expected a field, an operator (= or !=), a value or AND");
    }
  }

  absl::StatusOr<Token> QuotedString(size_t position) {
    Token token;
    token.kind = TokenKind::kString;
    token.position = position;
    ++offset_;  // the opening quote
    while (offset_ < text_.size()) {
      const char c = text_[offset_];
      if (c == '"') {
        ++offset_;
        if (!IsCleanUtf8(token.text)) {
          return FilterError(position,
                             "a quoted value must be valid UTF-8 without control characters");
        }
        return token;
      }
      if (c == '\\') {
        if (offset_ + 1 >= text_.size()) break;
        const char escaped = text_[offset_ + 1];
        if (escaped != '"' && escaped != '\\') {
          return FilterError(
              offset_ + 1,
              absl::StrCat("unknown escape \\", absl::CHexEscape(absl::string_view(&escaped, 1)),
                           " in a quoted value; only \\\" and \\\\ are allowed"));
        }
        token.text.push_back(escaped);
        offset_ += 2;
        continue;
      }
      token.text.push_back(c);
      ++offset_;
    }
    return FilterError(position, "unterminated string: expected a closing '\"'");
  }

  absl::string_view text_;
  size_t offset_ = 0;
};

// Parses `ACTIVE` or `STATE_ACTIVE` (with `prefix` "STATE_") into *out through the
// generated Xxx_Parse; false for anything else.
template <typename Enum, typename ParseFn>
bool ParseEnumValue(absl::string_view value, absl::string_view prefix, ParseFn parse, Enum* out) {
  const std::string name =
      absl::StartsWith(value, prefix) ? std::string(value) : absl::StrCat(prefix, value);
  return parse(name, out);
}

class Parser {
 public:
  explicit Parser(absl::string_view text) : lexer_(text) {}

  absl::StatusOr<std::vector<FilterTerm>> Parse() {
    std::vector<FilterTerm> terms;
    absl::StatusOr<Token> token = lexer_.Next();
    if (!token.ok()) return token.status();
    if (token->kind == TokenKind::kEnd) return terms;
    while (true) {
      if (terms.size() == kMaxFilterTerms) {
        return FilterError(token->position, absl::StrCat("a filter may have at most ",
                                                         kMaxFilterTerms, " comparisons"));
      }
      absl::StatusOr<FilterTerm> term = Comparison(*std::move(token));
      if (!term.ok()) return term.status();
      terms.push_back(*std::move(term));

      token = lexer_.Next();
      if (!token.ok()) return token.status();
      if (token->kind == TokenKind::kEnd) return terms;
      if (token->kind != TokenKind::kWord || token->text != "AND") {
        return FilterError(token->position, ExpectedAnd(*token));
      }
      const size_t and_position = token->position;
      token = lexer_.Next();
      if (!token.ok()) return token.status();
      if (token->kind == TokenKind::kEnd) {
        return FilterError(token->position,
                           absl::StrCat("expected a comparison after AND at position ",
                                        and_position, ", got the end of the filter"));
      }
    }
  }

 private:
  static std::string ExpectedAnd(const Token& token) {
    if (token.kind == TokenKind::kWord) {
      if (token.text == "OR") return "OR is not supported; only AND joins comparisons";
      if (token.text == "NOT") return "NOT is not supported; use != to negate a comparison";
      if (absl::EqualsIgnoreCase(token.text, "and")) {
        return absl::StrCat("expected AND, got ", QuoteInput(token.text),
                            " (keywords are upper case)");
      }
    }
    return absl::StrCat("expected AND or the end of the filter, got ", Describe(token));
  }

  absl::StatusOr<FilterTerm> Comparison(Token field) {
    FilterTerm term;
    if (field.kind != TokenKind::kWord) {
      return FilterError(field.position,
                         absl::StrCat("expected a field (server_type, state, health, "
                                      "display_name or labels.KEY), got ",
                                      Describe(field)));
    }
    if (field.text == "NOT") {
      return FilterError(field.position, "NOT is not supported; use != to negate a comparison");
    }
    if (field.text == "OR" || field.text == "AND") {
      return FilterError(field.position,
                         absl::StrCat("expected a field, got the keyword ", field.text));
    }
    if (field.text.front() == '-') {
      return FilterError(field.position,
                         "negation with \"-\" is not supported; use != to negate a comparison");
    }
    if (absl::Status status = ResolveField(field, &term); !status.ok()) return status;

    absl::StatusOr<Token> op = lexer_.Next();
    if (!op.ok()) return op.status();
    if (op->kind == TokenKind::kEquals) {
      term.negated = false;
    } else if (op->kind == TokenKind::kNotEquals) {
      term.negated = true;
    } else {
      return FilterError(
          op->position,
          absl::StrCat("expected = or != after ", QuoteInput(field.text), ", got ", Describe(*op)));
    }

    absl::StatusOr<Token> value = lexer_.Next();
    if (!value.ok()) return value.status();
    if (value->kind != TokenKind::kWord && value->kind != TokenKind::kString) {
      return FilterError(value->position,
                         absl::StrCat("expected a value (a word or a \"quoted string\") after ",
                                      Describe(*op), ", got ", Describe(*value)));
    }
    if (absl::Status status = ResolveValue(*value, &term); !status.ok()) return status;
    return term;
  }

  static absl::Status ResolveField(const Token& field, FilterTerm* term) {
    const std::string& name = field.text;
    if (name == "server_type") {
      term->field = FilterField::kServerType;
    } else if (name == "state") {
      term->field = FilterField::kState;
    } else if (name == "health") {
      term->field = FilterField::kHealth;
    } else if (name == "display_name") {
      term->field = FilterField::kDisplayName;
    } else if (absl::StartsWith(name, "labels.")) {
      const absl::string_view key = absl::string_view(name).substr(7);
      if (key.empty()) {
        return FilterError(field.position + 7, "expected a label key after \"labels.\"");
      }
      if (!IsLabelKey(key)) {
        return FilterError(field.position + 7, absl::StrCat("label key ", QuoteInput(key),
                                                            " must match [a-z][a-z0-9_-]{0,62}"));
      }
      term->field = FilterField::kLabel;
      term->label_key = std::string(key);
    } else if (name == "labels") {
      return FilterError(field.position,
                         "expected labels.KEY; the labels map itself cannot be compared");
    } else {
      return FilterError(field.position,
                         absl::StrCat("unknown field ", QuoteInput(name),
                                      "; filterable fields are server_type, state, health, "
                                      "display_name and labels.KEY"));
    }
    return absl::OkStatus();
  }

  static absl::Status ResolveValue(const Token& value, FilterTerm* term) {
    if (value.kind == TokenKind::kWord &&
        (value.text == "AND" || value.text == "OR" || value.text == "NOT")) {
      return FilterError(value.position,
                         absl::StrCat("expected a value, got the keyword ", value.text,
                                      "; quote it (\"", value.text, "\") to compare the text"));
    }
    switch (term->field) {
      case FilterField::kState: {
        DbServer::State state = DbServer::STATE_UNSPECIFIED;
        if (!ParseEnumValue(value.text, "STATE_", DbServer::State_Parse, &state) ||
            state == DbServer::STATE_UNSPECIFIED) {
          return FilterError(value.position,
                             absl::StrCat("unknown state ", QuoteInput(value.text),
                                          "; expected PROVISIONING, ACTIVE, DRAINING, "
                                          "MAINTENANCE or FAILED (optionally STATE_-prefixed)"));
        }
        term->state = FromProto(state);
        return absl::OkStatus();
      }
      case FilterField::kHealth: {
        DbServer::Health health = DbServer::HEALTH_UNSPECIFIED;
        if (!ParseEnumValue(value.text, "HEALTH_", DbServer::Health_Parse, &health)) {
          return FilterError(value.position,
                             absl::StrCat("unknown health ", QuoteInput(value.text),
                                          "; expected UNSPECIFIED, HEALTHY, DEGRADED or "
                                          "UNHEALTHY (optionally HEALTH_-prefixed)"));
        }
        term->health = FromProto(health);
        return absl::OkStatus();
      }
      default:
        term->value = value.text;
        return absl::OkStatus();
    }
  }

  Lexer lexer_;
};

}  // namespace

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter) {
  if (filter.size() > kMaxFilterLength) {
    return FilterError(kMaxFilterLength + 1,
                       absl::StrCat("a filter may be at most ", kMaxFilterLength,
                                    " characters long, got ", filter.size()));
  }
  return Parser(filter).Parse();
}

}  // namespace dbs::instance
