#include "instance_service/repository/json_object.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace dbs::instance {
namespace {

void AppendString(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
    } else {
      out->push_back(c);  // UTF-8 passes through unchanged
    }
  }
  out->push_back('"');
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// A cursor over the text with the few productions an object of strings needs.
class Reader {
 public:
  explicit Reader(absl::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

  bool ReadString(std::string* out) {
    if (!Consume('"')) return false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return false;
      switch (text_[pos_++]) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t code_point = 0;
          if (!ReadHex4(&code_point)) return false;
          if (code_point >= 0xD800 && code_point < 0xDC00) {  // a surrogate pair
            uint32_t low = 0;
            if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
              return false;
            }
            pos_ += 2;
            if (!ReadHex4(&low) || low < 0xDC00 || low >= 0xE000) return false;
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          } else if (code_point >= 0xDC00 && code_point < 0xE000) {
            return false;  // a lone low surrogate
          }
          AppendUtf8(code_point, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;  // unterminated
  }

 private:
  bool ReadHex4(uint32_t* value) {
    if (pos_ + 4 > text_.size()) return false;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
      *value = *value * 16 + (absl::ascii_isdigit(static_cast<unsigned char>(c))
                                  ? c - '0'
                                  : absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    }
    return true;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::string ToJsonObject(const std::map<std::string, std::string>& entries) {
  std::string out = "{";
  for (const auto& [key, value] : entries) {
    if (out.size() > 1) out.push_back(',');
    AppendString(key, &out);
    out.push_back(':');
    AppendString(value, &out);
  }
  out.push_back('}');
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseJsonObject(absl::string_view text) {
  const auto malformed = [] { return absl::InvalidArgumentError("not a JSON object of strings"); };
  Reader reader(text);
  std::map<std::string, std::string> entries;
  if (!reader.Consume('{')) return malformed();
  if (!reader.Consume('}')) {
    do {
      std::string key, value;
      if (!reader.ReadString(&key) || !reader.Consume(':') || !reader.ReadString(&value)) {
        return malformed();
      }
      entries[std::move(key)] = std::move(value);
    } while (reader.Consume(','));
    if (!reader.Consume('}')) return malformed();
  }
  if (!reader.AtEnd()) return malformed();
  return entries;
}

}  // namespace dbs::instance
