#include "cluster/relay_receiver.h"

#include <fmt/format.h>

#include <charconv>

#include "cluster/remote_dir.h"
#include "util/shell_quote.h"

namespace cluster {
namespace {

// The known_hosts name every hop's key is filed under (HostKeyAlias).
constexpr const char* kHopKeyAlias = "orgalorg-hop";

// Pipe capacity on the hosts' path (see the header) for every pipe or FIFO
// of the relay but the one an sshd writes into (kSshdPipeBytes, upload.h).
constexpr int kPipeBytes = 1 << 19;

// The most a relaying host's copier keeps for a reader that is behind.
constexpr int kCopierBufferBytes = 64 << 20;

// The relaying host's copier, in perl: `perl -e COPIER SOURCE GROW GROW_OUT
// CAP OUT...`. It opens every OUT (a hop's FIFO, whose reader is waiting
// already) before SOURCE (`-`: stdin), so that a host's hops connect while
// the hosts before it connect theirs: opening D/in first waited for the
// previous hop, and the tree's hops connected one level after another.
// It grows SOURCE's pipe to GROW bytes and stdout's (tar) and every OUT's
// to GROW_OUT (Linux), reads SOURCE into blocks of 256 KiB (a stream that
// arrives in small TCP segments leaves in large writes, so the hosts below
// get fewer, larger packets), and writes every block to stdout and to each
// OUT as each can take it: a reader that is slow, or whose hop is still
// connecting, holds the others back only once CAP bytes wait for it, so
// the stream keeps coming while this host's hops log in. A reader that
// went away is dropped and the others fed on, as tee
// --output-error=warn-nopipe does. It ends when every reader left has
// every byte, or when none is left.
constexpr const char* kFeedCopier =
    "use Fcntl; $SIG{PIPE} = q(IGNORE); my ($src, $grow, $out, $cap) = splice(@ARGV, 0, 4); my @o = (*STDOUT); "
    "for (@ARGV) { open(my $f, q(>), $_) or warn(qq(orgalorg: $_: $!\\n)), next; push @o, $f } "
    "$src eq q(-) or open(STDIN, q(<), $src) or die(qq(orgalorg: $src: $!\\n)); "
    "if ($^O eq q(linux)) { fcntl(STDIN, 1031, $grow + 0); fcntl($_, 1031, $out + 0) for @o } "
    "fcntl($_, F_SETFL, fcntl($_, F_GETFL, 0) | O_NONBLOCK) for @o; "
    "my @at = (0) x @o; my (@q, $eof); my ($cur, $base, $end) = (q(), 0, 0); "
    "while (1) { "
    "my @live = grep { $o[$_] } 0 .. $#o; last unless @live; "
    "while (@q && !grep { $at[$_] < $base + length $q[0] } @live) { $base += length shift @q } "
    "last if $eof && !grep { $at[$_] < $end } @live; "
    "my ($r, $w) = (q(), q()); vec($r, 0, 1) = 1 if !$eof && @q * 262144 < $cap; "
    "for (@live) { vec($w, fileno $o[$_], 1) = 1 if $at[$_] < $end } "
    "if (select($r, $w, undef, undef) < 0) { $!{EINTR} ? next : die(qq(orgalorg: select: $!\\n)) } "
    "if (vec($r, 0, 1)) { my $n = sysread(STDIN, $cur, 262144 - length $cur, length $cur); $eof = 1 unless $n; "
    "if (length $cur == 262144 || ($eof && length $cur)) { push @q, $cur; $end += length $cur; $cur = q() } } "
    "for (@live) { next unless vec($w, fileno $o[$_], 1); my $k = $at[$_] - $base; my $c = $q[int($k / 262144)]; "
    "my $n = syswrite($o[$_], $c, length($c) - $k % 262144, $k % 262144); "
    "if (defined $n) { $at[$_] += $n } elsif (!$!{EAGAIN}) { $o[$_] = undef } } "
    "}";

// Reads the feed script (up to the go line) into D/plan; fails without it.
std::string ReadPlanCommand() {
  return fmt::format(
      "{{ while IFS= read -r l && [ \"$l\" != {0} ]; do printf '%s\\n' \"$l\"; done >\"$d/plan\"; "
      "[ \"$l\" = {0} ]; }}",
      kRelayGo);
}

// The ssh command of hop `index` (its FIFO D/o<index>, key file D/k<index>).
std::string HopSsh(size_t index, const RelayHop& hop, const RemoteCommandSpec& wrapper,
                   const RelayHopTimeouts& timeouts) {
  return fmt::format(
      "ssh -T -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes "
      "-o UserKnownHostsFile=\"$d/k{0}\" -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias={1} "
      "-o CheckHostIP=no -o UpdateHostKeys=no -o Ciphers=aes128-gcm@openssh.com "
      "-o ForwardAgent=no -o ClearAllForwardings=yes -o LogLevel=ERROR "
      "-o ConnectTimeout={2} -o ServerAliveInterval={3} -o ServerAliveCountMax=3 "
      "-p {4} -l {5} -- {6} {7}",
      index, kHopKeyAlias, timeouts.connect_s, timeouts.alive_s, hop.port, util::ShellQuote(hop.user),
      util::ShellQuote(hop.host), util::ShellQuote(RelayHopCommand(hop.dir, wrapper)));
}

// Starts hop `index` in the background, reporting its end on stdout.
std::string StartHop(size_t index, const RelayHop& hop, const RemoteCommandSpec& wrapper,
                     const RelayHopTimeouts& timeouts) {
  return fmt::format(
      "printf '%s\\n' {0} >\"$d/k{1}\" || exit 1\n"
      "{{ {2} <\"$d/o{1}\" >/dev/null 2>\"$d/e{1}\"; s=$?; "
      "[ $s = 0 ] || sed 's/^/{3} {1} /' \"$d/e{1}\"; echo \"{4} {1} $s\"; }} &\n",
      util::ShellQuote(std::string(kHopKeyAlias) + " " + hop.host_key), index,
      HopSsh(index, hop, wrapper, timeouts), kRelayHopError, kRelayHop);
}

}  // namespace

std::string RelayReceiverCommand(const UploadSpec& spec) {
  std::string line = fmt::format(
      "{0} && d=$(mktemp -d /tmp/orgalorg-relay.XXXXXX) && trap 'rm -rf \"$d\"' EXIT && "
      "mkfifo \"$d/in\" && echo \"{1} $d\" && x() {{ {3}; }} && {2} && . \"$d/plan\" && "
      "{{ go; s=$?; wait; exit $s; }}",
      PrepareRootCommand(spec.root, spec.fresh_root), kRelayReady, ReadPlanCommand(), ExtractCommand(spec));
  return WrapCommand(spec.wrapper, std::move(line));
}

std::string RelayHopCommand(const std::string& dir, const RemoteCommandSpec& wrapper) {
  std::string fifo = util::ShellQuote(dir + "/in");
  return WrapCommand(wrapper,
                     fmt::format("test -p {0} && {{ {1} exec cat >{0}; }}", fifo, GrowStdinPipe(kSshdPipeBytes)));
}

std::string RelayFeedScript(bool from_client, const std::vector<RelayHop>& hops,
                            const RemoteCommandSpec& wrapper, const RelayHopTimeouts& timeouts) {
  std::string script;
  if (!hops.empty()) {
    std::string fifos;
    for (size_t i = 0; i < hops.size(); ++i) fifos += fmt::format(" \"$d/o{}\"", i);
    script += "mkfifo" + fifos + " || exit 1\n";
  }
  for (size_t i = 0; i < hops.size(); ++i) script += StartHop(i, hops[i], wrapper, timeouts);
  // The client's bytes come through sshd's pipe on stdin, a relay's through
  // D/in. A leaf's tar (x, defined by the receiver) reads them itself; a
  // relaying host copies them to tar and to every hop's FIFO.
  if (hops.empty()) {
    std::string source = from_client ? "" : " <\"$d/in\"";
    std::string grow = GrowStdinPipe(from_client ? kSshdPipeBytes : kPipeBytes);
    script += fmt::format("go() {{ {{ {} x; }}{}; }}\n", grow, source);
  } else {
    script += "feed() { " + RelayCopyCommand(from_client, hops.size()) + "; }\n";
    script += "go() { feed | x; }\n";
  }
  return script + std::string(kRelayGo) + "\n";
}

std::string RelayCopyCommand(bool from_client, size_t hops) {
  std::string outputs;
  for (size_t i = 0; i < hops; ++i) outputs += fmt::format(" \"$d/o{}\"", i);
  std::string source = from_client ? "-" : "\"$d/in\"";
  int grow = from_client ? kSshdPipeBytes : kPipeBytes;
  return fmt::format(
      "if command -v perl >/dev/null 2>&1; then perl -e '{}' {} {} {} {}{}; else {}tee --output-error=warn-nopipe{}; fi",
      kFeedCopier, source, grow, kPipeBytes, kCopierBufferBytes, outputs, from_client ? "" : "cat \"$d/in\" | ", outputs);
}

RelayLine ParseRelayLine(std::string_view line) {
  RelayLine parsed;
  auto word = [&](std::string_view prefix) {
    return line.size() > prefix.size() && line.substr(0, prefix.size()) == prefix && line[prefix.size()] == ' ';
  };
  auto number = [](std::string_view text, auto* value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
    return error == std::errc() ? static_cast<size_t>(end - text.data()) : 0;
  };
  if (word(kRelayReady)) {
    parsed.kind = RelayLine::Kind::kReady;
    parsed.dir = std::string(line.substr(kRelayReady.size() + 1));
  } else if (word(kRelayHopError) || word(kRelayHop)) {
    bool error = word(kRelayHopError);
    std::string_view rest = line.substr((error ? kRelayHopError : kRelayHop).size() + 1);
    size_t used = number(rest, &parsed.hop);
    if (used == 0 || used >= rest.size() || rest[used] != ' ') return RelayLine();
    rest = rest.substr(used + 1);
    if (error) {
      parsed.kind = RelayLine::Kind::kHopError;
      parsed.text = std::string(rest);
    } else if (number(rest, &parsed.status) == rest.size()) {
      parsed.kind = RelayLine::Kind::kHop;
    } else {
      return RelayLine();
    }
  }
  return parsed;
}

}  // namespace cluster
