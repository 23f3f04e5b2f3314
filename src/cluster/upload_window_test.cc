#include "cluster/upload_window.h"

#include <gtest/gtest.h>

namespace cluster {
namespace {

TEST(UploadWindowTest, HoldsTheBytesFromTheSlowestHostToTheEnd) {
  UploadWindow window;
  window.Push("abc");
  window.Push("defg");
  EXPECT_EQ(window.end(), 7u);
  EXPECT_EQ(window.At(1), "bc");
  EXPECT_EQ(window.At(5), "fg");
  EXPECT_EQ(window.At(7), "");
  window.Release(4);  // Inside the second chunk: only the first is dropped.
  EXPECT_EQ(window.begin(), 3u);
  EXPECT_EQ(window.At(4), "efg");
  window.Release(7);
  EXPECT_EQ(window.begin(), 7u);
  EXPECT_EQ(window.At(7), "");
}

}  // namespace
}  // namespace cluster
