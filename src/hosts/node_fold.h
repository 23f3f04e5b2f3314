// Folding host names back into node ranges, for display (`--fold`, like
// `dshbak -c` and `clubak -b`): web01 web02 web03 web07 db1 ->
// `web[01-03,07],db1`. The inverse of node_range.h, for one dimension.
//
// FoldNodes(names) returns comma-separated pieces. Each piece is either a
// name exactly as given or one folded group `prefix[items]suffix` where
//   * the group's names are equal except in one run of digits (the names are
//     split into alternating non-digit and digit runs; r1n1 r1n2 r2n1 r2n2
//     gives `r1n[1-2],r2n[1-2]`, not a two-dimension `r[1-2]n[1-2]`). When a
//     name could join groups along several runs, the largest group is taken
//     first, ties going to the LAST run, then to the earliest name;
//   * items are `a` or `a-b` (contiguous numbers), in increasing numeric
//     order, written so that node_range.h (padding = written width of the
//     lower bound) gives back exactly the folded names: `web[01-03,07]`,
//     `n[8-10]`, `n[08-10]`, `n[098-100]`. Names that differ only in padding
//     (n1, n01) never become one number: they go to different items
//     (`n[01,1]`) or pieces;
//   * a group of one name is printed as the plain name, without brackets.
// Only names matching ^[A-Za-z0-9._-]+$ with at least one non-digit are
// folded, along digit runs of at most 18 digits. Any other name, such as
// all-digit `12`, IPv6 `[::1]:22`, `user@web1`, `web1:2222`, is a piece of
// its own, unchanged (so no piece is ever a lone `[12]` group, which
// node_range.h would read as a literal host). A group holds at most
// kMaxRangeHosts names (larger ones are split).
//
// Pieces come in the order of the first appearance of their first name in
// `names`; a name given twice appears once. Empty `names` gives "".
//
// Promise: for each piece p of the result split at ',' outside brackets,
// ExpandNodeRange(p) succeeds and yields only names of the input, and all
// pieces together yield every input name exactly once — provided no input
// name contains ',' or is itself a range expression such as `web[1]`
// (host_list.h has expanded those; a literal like `[::1]` is fine).
//
// Pure, thread-safe. O(n * d * log(n * d)) for n names of at most d digit
// runs.
#ifndef ORGALORG_HOSTS_NODE_FOLD_H_
#define ORGALORG_HOSTS_NODE_FOLD_H_

#include <string>
#include <string_view>
#include <vector>

namespace hosts {

std::string FoldNodes(const std::vector<std::string>& names);

// FoldNodes for host addresses as given (`[user@]host[:port]`): the host
// parts of addresses with the same `user@` and `:port` are folded together
// and each piece gets them back: orgatest@10.0.0.1 orgatest@10.0.0.2
// -> `orgatest@10.0.0.[1-2]`. Keys come in order of first appearance. The
// same promise as FoldNodes holds for the address expressions.
std::string FoldAddresses(const std::vector<std::string>& addresses);

// The pieces of a FoldNodes/FoldAddresses result: `folded` split at each ','
// outside [ ] (`web[01-03,07],db1` -> `web[01-03,07]`, `db1`). "" gives one
// empty piece.
std::vector<std::string> SplitFoldedPieces(std::string_view folded);

}  // namespace hosts

#endif  // ORGALORG_HOSTS_NODE_FOLD_H_
