// Unicode text handling for CLIP's tokenizer: UTF-8 coding, the character classes its split
// pattern uses (\p{L} letters, \p{N} numbers, \s whitespace), lower-casing and canonical
// composition (the NFC step of the Hugging Face tokenizer's normaliser).
//
// The tables come from Python 3.11's unicodedata (Unicode 14.0), the same data the reference
// tokenizers see, so classification is exact for every code point, not only for common scripts.
// Lower-casing is Python's str.lower() (all one-to-one mappings, plus U+0130 -> "i" U+0307).
// ComposeCanonical composes every canonical pair (e.g. "e" + U+0301 -> U+00E9, repeatedly, so a
// base with several marks composes step by step) but does not reorder marks by combining class
// or compose Hangul jamo; text that needs those is rare in prompts and is left as it is.
//
// Stateless functions over immutable tables. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace iris::unicode {

// Decodes UTF-8; each malformed byte sequence becomes U+FFFD (never fails).
std::u32string DecodeUtf8(std::string_view text);

// Appends the UTF-8 encoding of `cp` (U+FFFD for surrogates and values beyond U+10FFFF).
void AppendUtf8(char32_t cp, std::string& out);

bool IsLetter(char32_t cp);      // general category L*
bool IsNumber(char32_t cp);      // general category N*
bool IsWhitespace(char32_t cp);  // Python's str.isspace()

// Python's str.lower() on the whole text.
std::u32string ToLower(std::u32string_view text);

// Canonical composition of base + combining-mark pairs (see the contract above).
std::u32string ComposeCanonical(std::u32string_view text);

}  // namespace iris::unicode
