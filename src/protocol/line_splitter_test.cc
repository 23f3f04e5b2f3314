#include "protocol/line_splitter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace protocol {
namespace {

struct Chunk {
  std::string text;
  bool partial, continued, newline;
  bool operator==(const Chunk&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Chunk& c) {
  return os << "{\"" << c.text << "\" p=" << c.partial << " c=" << c.continued
            << " nl=" << c.newline << "}";
}

class Collector {
 public:
  explicit Collector(size_t cap = kDefaultMaxLineBytes)
      : splitter_(
            [this](const LineChunk& c) {
              chunks_.push_back(
                  {std::string(c.text), c.partial, c.continued, c.newline});
            },
            cap) {}
  LineSplitter& splitter() { return splitter_; }
  const std::vector<Chunk>& chunks() const { return chunks_; }

 private:
  std::vector<Chunk> chunks_;
  LineSplitter splitter_;
};

Chunk Line(std::string text) { return {std::move(text), false, false, true}; }

TEST(LineSplitterTest, CompleteLines) {
  Collector c;
  c.splitter().Feed("one\ntwo\n\nthree\r\n");
  EXPECT_EQ(c.chunks(), (std::vector<Chunk>{Line("one"), Line("two"), Line(""),
                                            Line("three\r")}));
  c.splitter().Finish();
  EXPECT_EQ(c.chunks().size(), 4u);  // Nothing pending.
}

TEST(LineSplitterTest, LinesAcrossFeeds) {
  Collector c;
  std::string input = "alpha\nbeta\ngamma";
  for (char ch : input) c.splitter().Feed(std::string_view(&ch, 1));
  c.splitter().Feed("");
  EXPECT_EQ(c.chunks(), (std::vector<Chunk>{Line("alpha"), Line("beta")}));
  EXPECT_EQ(c.splitter().buffered(), 5u);
  c.splitter().Finish();
  EXPECT_EQ(c.chunks().back(), (Chunk{"gamma", false, false, false}));
  EXPECT_EQ(c.splitter().buffered(), 0u);
  c.splitter().Feed("again\n");  // Reusable after Finish().
  EXPECT_EQ(c.chunks().back(), Line("again"));
}

TEST(LineSplitterTest, LineOfExactlyCapIsWhole) {
  Collector c(4);
  c.splitter().Feed("abcd\nefgh");
  c.splitter().Finish();
  EXPECT_EQ(c.chunks(),
            (std::vector<Chunk>{Line("abcd"), {"efgh", false, false, false}}));
}

TEST(LineSplitterTest, LongLineIsChunked) {
  Collector c(4);
  c.splitter().Feed("abcdefghij\nxy\n");
  EXPECT_EQ(c.chunks(), (std::vector<Chunk>{{"abcd", true, false, false},
                                            {"efgh", true, true, false},
                                            {"ij", false, true, true},
                                            Line("xy")}));
}

TEST(LineSplitterTest, MultipleOfCapHasNoEmptyTail) {
  Collector c(3);
  c.splitter().Feed("abc");
  c.splitter().Feed("def");
  c.splitter().Feed("\n");
  c.splitter().Feed("ghi");
  c.splitter().Feed("jkl");
  c.splitter().Finish();
  EXPECT_EQ(c.chunks(), (std::vector<Chunk>{{"abc", true, false, false},
                                            {"def", false, true, true},
                                            {"ghi", true, false, false},
                                            {"jkl", false, true, false}}));
}

TEST(LineSplitterTest, ChunkingAcrossSmallFeeds) {
  Collector c(4);
  for (std::string_view piece : {"ab", "cde", "f", "ghij", "k\n"}) {
    c.splitter().Feed(piece);
    EXPECT_LE(c.splitter().buffered(), 4u);
  }
  EXPECT_EQ(c.chunks(), (std::vector<Chunk>{{"abcd", true, false, false},
                                            {"efgh", true, true, false},
                                            {"ijk", false, true, true}}));
}

TEST(LineSplitterTest, ZeroCapMeansOne) {
  Collector c(0);
  c.splitter().Feed("ab\n");
  EXPECT_EQ(c.chunks(), (std::vector<Chunk>{{"a", true, false, false},
                                            {"b", false, true, true}}));
}

TEST(LineSplitterTest, HundredMegabyteLineStaysBounded) {
  constexpr size_t kCap = 64 * 1024;
  size_t chunks = 0, bytes = 0, max_buffered = 0;
  bool all_partial_but_last = true;
  LineChunk last;
  LineSplitter splitter(
      [&](const LineChunk& c) {
        ++chunks;
        bytes += c.text.size();
        EXPECT_LE(c.text.size(), kCap);
        if (!c.partial) last = c;
        if (chunks > 1 && !c.continued) all_partial_but_last = false;
      },
      kCap);
  const std::string block(1 << 20, 'x');
  for (int i = 0; i < 100; ++i) {
    splitter.Feed(block);
    max_buffered = std::max(max_buffered, splitter.buffered());
  }
  splitter.Feed("tail\n");
  EXPECT_LE(max_buffered, kCap);
  EXPECT_EQ(bytes, 100u * (1 << 20) + 4);
  EXPECT_EQ(chunks, 100u * (1 << 20) / kCap + 1);
  EXPECT_TRUE(all_partial_but_last);
  EXPECT_TRUE(last.newline);
  EXPECT_TRUE(last.continued);
  EXPECT_EQ(last.text, "tail");
}

TEST(LineSplitterTest, RandomFeedsReassembleTheInput) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    size_t cap = 1 + rng() % 9;
    std::string input;
    size_t length = rng() % 200;
    for (size_t i = 0; i < length; ++i) {
      input += (rng() % 5 == 0) ? '\n' : static_cast<char>('a' + rng() % 26);
    }
    std::string output;
    bool expect_continued = false;
    LineSplitter splitter(
        [&](const LineChunk& c) {
          EXPECT_EQ(c.continued, expect_continued);
          EXPECT_LE(c.text.size(), cap);
          if (c.partial) {
            EXPECT_EQ(c.text.size(), cap);
          }
          if (c.continued) {
            EXPECT_FALSE(c.text.empty());
          }
          expect_continued = c.partial;
          output += c.text;
          if (c.newline) output += '\n';
        },
        cap);
    for (size_t pos = 0; pos < input.size();) {
      size_t n = std::min<size_t>(rng() % 12, input.size() - pos);
      splitter.Feed(std::string_view(input).substr(pos, n));
      EXPECT_LE(splitter.buffered(), cap);
      pos += n;
    }
    splitter.Finish();
    EXPECT_EQ(output, input) << "cap " << cap;
  }
}

}  // namespace
}  // namespace protocol
