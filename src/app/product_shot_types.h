// ProductShotTypes: which product shots POST /generate-images can make for each product type, read from
// the data file data/product_shot_types.json (compiled into the binary; EmbeddedProductShotTypesJson). Seed
// 003's earring types: 1 White Background, 2 Hand Holding, 3 Dimension Image, 4 Lifestyle Nature, 5 Model
// Wearing, default [1, 2, 4, 5]; bracelet and necklace have their own lists.
//
// A type is either local ("local": "white_background": the ISNet cut-out on white, no provider) or a
// prompt for the image-edit provider; "needs_size" types (3, Dimension Image) need the request's height
// and width, which replace {height} and {width} in the prompt.
//
// Find takes the product type case-insensitively, also in the plural ("Earrings"). Errors: Parse:
// InvalidArgument naming what is wrong in the file (a test parses the shipped one); Find: Unprocessable
// naming the known product types. Immutable after Parse; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris::app {

struct ShotType {
  int type = 0;
  std::string name;         // "White Background": the reply's image_type_name
  std::string description;  // for the docs
  std::string prompt;       // empty for local types
  bool white_background = false;
  bool needs_size = false;
};

struct ProductShotList {
  std::string product_type;  // "earring"
  std::vector<ShotType> types;
  std::vector<int> defaults;

  const ShotType* Find(int type) const;
  std::string TypeNumbers() const;  // "1, 2, 3, 4, 5"
};

class ProductShotTypes {
 public:
  static Result<ProductShotTypes> Parse(std::string_view json);
  // The shipped data file; throws std::runtime_error if it does not parse (a build error, caught by a test).
  static const ProductShotTypes& Shipped();

  Result<const ProductShotList*> Find(std::string_view product_type) const;
  const std::vector<ProductShotList>& lists() const { return lists_; }

 private:
  std::vector<ProductShotList> lists_;
};

// The prompt of `type` with {height} and {width} replaced.
std::string ShotPrompt(const ShotType& type, const std::string& height, const std::string& width);

// data/product_shot_types.json as built into the binary.
std::string_view EmbeddedProductShotTypesJson();

}  // namespace iris::app
