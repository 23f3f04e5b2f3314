#include "ssh/byte_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace ssh {
namespace {

TEST(ByteQueueTest, ReadsIntoSpaceAndWritesFromTheFront) {
  ByteQueue queue(8);
  std::span<char> space = queue.Space();
  ASSERT_EQ(space.size(), 8u);
  std::memcpy(space.data(), "abcde", 5);
  queue.Commit(5);
  EXPECT_EQ(queue.Front(), "abcde");
  queue.Consume(2);
  EXPECT_EQ(queue.Front(), "cde");
  EXPECT_EQ(queue.size(), 3u);
}

TEST(ByteQueueTest, NeverHoldsMoreThanItsCapacity) {
  ByteQueue queue(4);
  EXPECT_EQ(queue.Append("abcdef"), 4u);
  EXPECT_EQ(queue.Front(), "abcd");
  EXPECT_TRUE(queue.Space().empty());
  EXPECT_EQ(queue.Append("x"), 0u);
}

TEST(ByteQueueTest, ADrainedQueueStartsAgainAtTheFront) {
  ByteQueue queue(8);
  queue.Append("abcdefgh");
  queue.Consume(8);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.Space().size(), 8u);
}

TEST(ByteQueueTest, LeftoversMoveToTheFrontWhenTheBackRunsShort) {
  ByteQueue queue(8);
  queue.Append("abcdefg");
  queue.Consume(6);  // "g" left at offset 6; 1 byte free at the back.
  EXPECT_EQ(queue.Space().size(), 7u);
  EXPECT_EQ(queue.Front(), "g");
  EXPECT_EQ(queue.Append("hijklmnop"), 7u);
  EXPECT_EQ(queue.Front(), "ghijklmn");
}

TEST(ByteQueueTest, ConsumingTooMuchEmptiesIt) {
  ByteQueue queue(8);
  queue.Append("abc");
  queue.Consume(10);
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace ssh
