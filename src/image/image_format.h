// ImageFormat: the encoded image formats Iris decodes, and how to recognise them.
//
// The format of an upload is decided ONLY from its first bytes (magic numbers), never from a file
// name or a client-supplied content type, which are attacker-controlled and often wrong. A byte
// string whose signature matches none of these formats is not decoded at all.
//
// Pure functions over caller-owned bytes; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace iris {

enum class ImageFormat { kJpeg, kPng, kWebp, kGif, kTiff, kAvif, kHeic };

// The format whose signature starts `bytes`, or nullopt when none matches. Reads at most the first
// few dozen bytes (for AVIF/HEIC the ISO-BMFF "ftyp" box brands).
std::optional<ImageFormat> SniffImageFormat(std::string_view bytes);

// Short upper-case name, e.g. "JPEG", "HEIC".
std::string_view ImageFormatName(ImageFormat format);

// IANA media type, e.g. "image/jpeg", "image/heic".
std::string_view ImageFormatMimeType(ImageFormat format);

// "JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIC": for error messages that name what is accepted.
std::string_view SupportedImageFormatsList();

}  // namespace iris
