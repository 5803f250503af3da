#include "runtime/tensor.h"

#include <gtest/gtest.h>

#include <vector>

namespace iris {
namespace {

TEST(TensorTest, FromFloatsKeepsShapeAndValues) {
  std::vector<float> values = {1, 2, 3, 4, 5, 6};
  Result<Tensor> t = Tensor::FromFloats({2, 3}, values);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->type(), ElementType::kFloat32);
  EXPECT_EQ(t->shape(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(t->element_count(), 6);
  EXPECT_EQ(t->bytes().size(), 24u);
  EXPECT_EQ(std::vector<float>(t->values<float>().begin(), t->values<float>().end()), values);
  EXPECT_EQ(t->Describe(), "float32[2,3]");
}

TEST(TensorTest, WrongValueCountIsRefused) {
  std::vector<std::int64_t> values = {1, 2, 3};
  Result<Tensor> t = Tensor::FromInt64s({2, 2}, values);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("int64[2,2]"), std::string::npos) << t.status().message();
}

TEST(TensorTest, NegativeDimIsRefused) {
  Result<Tensor> t = Tensor::Zeros(ElementType::kUint8, {2, -1});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
}

TEST(TensorTest, ZerosHasRightSizeForEveryType) {
  for (ElementType type :
       {ElementType::kFloat32, ElementType::kFloat16, ElementType::kInt64, ElementType::kInt32, ElementType::kUint8}) {
    Result<Tensor> t = Tensor::Zeros(type, {3, 5});
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->bytes().size(), 15 * ElementSize(type)) << ElementTypeName(type);
    EXPECT_EQ(t->element_count(), 15);
  }
}

TEST(TensorTest, SliceAndItemCopyRowsAlongDimZero) {
  std::vector<std::int32_t> values = {0, 1, 10, 11, 20, 21, 30, 31};
  Tensor t = *Tensor::FromInt32s({4, 2}, values);
  Result<Tensor> item = t.Item(2);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->shape(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(item->values<std::int32_t>()[0], 20);
  EXPECT_EQ(item->values<std::int32_t>()[1], 21);
  Result<Tensor> middle = t.Slice(1, 2);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(middle->shape(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(middle->values<std::int32_t>()[0], 10);
  EXPECT_EQ(middle->values<std::int32_t>()[3], 21);
  EXPECT_FALSE(t.Item(4).ok());
  EXPECT_FALSE(t.Slice(3, 2).ok());
  EXPECT_FALSE(t.Slice(-1, 1).ok());
}

TEST(TensorTest, ConcatJoinsAlongDimZeroAndRoundTripsWithSlice) {
  std::vector<float> a = {1, 2, 3}, b = {4, 5, 6, 7, 8, 9};
  Tensor ta = *Tensor::FromFloats({1, 3}, a);
  Tensor tb = *Tensor::FromFloats({2, 3}, b);
  std::vector<Tensor> parts = {ta, tb};
  Result<Tensor> joined = Tensor::Concat(parts);
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  EXPECT_EQ(joined->shape(), (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(joined->values<float>()[3], 4.0f);
  EXPECT_EQ(*joined->Slice(0, 1), ta);
  EXPECT_EQ(*joined->Slice(1, 2), tb);
}

TEST(TensorTest, ConcatRefusesDifferentInnerShapeOrType) {
  Tensor a = *Tensor::Zeros(ElementType::kInt64, {1, 5});
  Tensor b = *Tensor::Zeros(ElementType::kInt64, {1, 7});
  Tensor c = *Tensor::Zeros(ElementType::kInt32, {1, 5});
  std::vector<Tensor> shapes = {a, b};
  Result<Tensor> r1 = Tensor::Concat(shapes);
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.status().message().find("int64[1,7]"), std::string::npos) << r1.status().message();
  std::vector<Tensor> types = {a, c};
  EXPECT_FALSE(Tensor::Concat(types).ok());
  EXPECT_FALSE(Tensor::Concat({}).ok());
}

TEST(TensorTest, CopiesAreDeep) {
  std::vector<float> values = {1, 2};
  Tensor a = *Tensor::FromFloats({2}, values);
  Tensor b = a;
  b.mutable_values<float>()[0] = 9;
  EXPECT_EQ(a.values<float>()[0], 1.0f);
  EXPECT_FALSE(a == b);
}

TEST(TensorDeathTest, ReadingAsTheWrongTypeAborts) {
  Tensor t = *Tensor::Zeros(ElementType::kInt64, {2});
  EXPECT_DEATH((void)t.values<float>(), "int64");
}

}  // namespace
}  // namespace iris
