#!/usr/bin/env python3
"""rss_sampler.py -- run one command, measure its whole process tree.

Usage: rss_sampler.py [--interval SEC] [--json FILE] -- COMMAND [ARGS...]

Runs COMMAND (stdin/stdout/stderr inherited) and reports, as one JSON object
(to FILE, or to stderr when --json is not given):
  rc            exit code of COMMAND (negative: killed by that signal)
  wall_s        wall time from spawn to exit of COMMAND (monotonic clock)
  user_s sys_s  CPU time of every descendant that was reaped, from
  cpu_s         getrusage(RUSAGE_CHILDREN) taken before and after. This
                process is made a child subreaper (PR_SET_CHILD_SUBREAPER), so
                grandchildren orphaned by an exiting parent are reparented to
                us, reaped here and counted as well.
  peak_rss_kb   largest sum of resident set sizes (statm resident * page size)
                of COMMAND and all of its live descendants, sampled every
                --interval seconds (default 0.02). Descendants are found by
                walking /proc/<pid>/task/<tid>/children from COMMAND's pid (and
                from our own children, which covers reparented orphans).
  peak_procs    largest number of processes seen in one sample
  samples       number of samples taken
  machine_busy_s  non-idle CPU seconds of the whole machine (all cores, from
                /proc/stat) during the run: client + every sshd + anything else

The sampler runs at nice -10 (COMMAND at the caller's nice) so that it keeps
sampling on a saturated machine. The sampler's own CPU is not in cpu_s (RUSAGE_CHILDREN counts only children).
"""
import ctypes
import json
import os
import resource
import subprocess
import sys
import time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
PR_SET_CHILD_SUBREAPER = 36


def children_of(pid):
    """Pids of the direct children of every thread of pid."""
    out = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return out


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def sample_tree(roots):
    """(sum of RSS in KiB, process count) over roots and their descendants."""
    seen = set()
    stack = list(roots)
    total = 0
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += rss_kb(pid)
        stack.extend(children_of(pid))
    return total, len(seen)


def machine_cpu():
    """(busy, total) jiffies of all cores from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


def main(argv):
    interval = 0.02
    json_path = None
    i = 0
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "--interval":
            interval = float(argv[i + 1]); i += 2
        elif argv[i] == "--json":
            json_path = argv[i + 1]; i += 2
        else:
            sys.exit(f"rss_sampler: unknown option {argv[i]}")
    cmd = argv[i + 1:]
    if not cmd:
        sys.exit(__doc__)

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    me = os.getpid()

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0, _ = machine_cpu()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd)
    # Raise our own priority (after the fork, so COMMAND keeps nice 0) so that
    # sampling keeps its pace while COMMAND and the servers saturate the CPUs.
    try:
        os.setpriority(os.PRIO_PROCESS, 0, -10)
    except OSError:
        pass
    peak_rss = peak_procs = samples = 0
    next_tick = t0
    while True:
        # Our own children = COMMAND plus any orphans reparented to us.
        total, n = sample_tree(children_of(me))
        samples += 1
        peak_rss = max(peak_rss, total)
        peak_procs = max(peak_procs, n)
        if proc.poll() is not None:
            break
        next_tick += interval
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_tick = time.monotonic()
    wall = time.monotonic() - t0
    busy1, _ = machine_cpu()
    # Reap any orphans still around (there should be none) so they count.
    while True:
        try:
            pid, _ = os.waitpid(-1, 0)
        except ChildProcessError:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = after.ru_utime - before.ru_utime
    sys_ = after.ru_stime - before.ru_stime
    result = {
        "rc": proc.returncode,
        "wall_s": round(wall, 4),
        "user_s": round(user, 4),
        "sys_s": round(sys_, 4),
        "cpu_s": round(user + sys_, 4),
        "peak_rss_kb": peak_rss,
        "peak_procs": peak_procs,
        "samples": samples,
        "machine_busy_s": round((busy1 - busy0) / os.sysconf("SC_CLK_TCK"), 2),
    }
    text = json.dumps(result)
    if json_path:
        with open(json_path, "w") as f:
            f.write(text + "\n")
    else:
        print(text, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
