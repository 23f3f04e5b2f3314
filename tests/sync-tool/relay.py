#!/usr/bin/env python3
"""Stand-in for orgalorg's side of the sync protocol (doc/protocol.md).

relay.py [options] TOOL RUNDIR1 TARGET1 [RUNDIR2 TARGET2 ...]

Starts one copy of TOOL per host (cwd = RUNDIRi, argument TARGETi, run with
--shell, default sh), sends each HELLO, one NODE line per host (CURRENT on
its own) and START, then relays every "<prefix> SYNC <desc>" line from any
tool to every tool as "<prefix> SYNC [root@hostI:22] <desc>", in one global
order. Other stdout/stderr lines are printed as "hostI stdout: ..." /
"hostI stderr: ...". At the end prints "hostI exit N" per host; exits 0 if
every tool exited 0, else 1.

Options:
  --shell SH         interpreter for TOOL (default: sh)
  --eof-after N      close every tool's stdin after N SYNC messages have been
                     relayed (0: right after START)
  --fake-node SPEC   add a fake host to the NODE list; SPEC is
                     "PHASE1,PHASE2" descriptions it "sends" (e.g.
                     "staged,swapfailed disk on fire"); PHASE1 is relayed at
                     once, PHASE2 once every phase-1 message has been relayed.
  --timeout S        kill everything after S seconds (default 60)
"""
import argparse
import os
import queue
import subprocess
import sys
import threading
import time

PREFIX = "ORGALORG:%d" % (int(time.time() * 1000) % 10**12)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shell", default="sh")
    ap.add_argument("--eof-after", type=int, default=None)
    ap.add_argument("--fake-node", default=None)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("tool")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    if len(a.dirs) % 2:
        ap.error("RUNDIR TARGET pairs expected")
    hosts = [(a.dirs[i], a.dirs[i + 1]) for i in range(0, len(a.dirs), 2)]
    names = ["[root@host%d:22]" % (i + 1) for i in range(len(hosts))]
    fake = None
    if a.fake_node is not None:
        fake = a.fake_node.split(",", 1)
        names.append("[root@fake:22]")
    n_nodes = len(names)

    events = queue.Queue()
    procs = []
    for i, (run, target) in enumerate(hosts):
        p = subprocess.Popen([a.shell, os.path.abspath(a.tool), target], cwd=run,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        procs.append(p)

        def reader(stream, kind, i=i):
            for raw in iter(stream.readline, b""):
                events.put((i, kind, raw.decode("utf-8", "replace").rstrip("\n")))
            events.put((i, kind + "-eof", None))

        threading.Thread(target=reader, args=(p.stdout, "stdout"), daemon=True).start()
        threading.Thread(target=reader, args=(p.stderr, "stderr"), daemon=True).start()

    closed = [False] * len(procs)

    def write(i, line):
        if closed[i]:
            return
        try:
            procs[i].stdin.write((line + "\n").encode())
            procs[i].stdin.flush()
        except (BrokenPipeError, OSError):
            closed[i] = True

    def close_all():
        for i, p in enumerate(procs):
            if not closed[i]:
                closed[i] = True
                try:
                    p.stdin.close()
                except OSError:
                    pass

    relayed = 0
    phase1 = 0

    def relay(node, desc):
        nonlocal relayed, phase1
        if a.eof_after is not None and relayed >= a.eof_after:
            return
        print("relay: SYNC %s %s" % (node, desc), flush=True)
        for j in range(len(procs)):
            write(j, "%s SYNC %s %s" % (PREFIX, node, desc))
        relayed += 1
        if desc == "staged" or desc.startswith("failed"):
            phase1 += 1
            if fake is not None and phase1 == n_nodes and len(fake) > 1:
                relay("[root@fake:22]", fake[1])
        if a.eof_after is not None and relayed >= a.eof_after:
            close_all()

    for i in range(len(procs)):
        write(i, PREFIX + " HELLO")
        for j, name in enumerate(names):
            write(i, "%s NODE %s%s" % (PREFIX, name, " CURRENT" if i == j else ""))
        write(i, PREFIX + " START")
    if a.eof_after == 0:
        close_all()
    if fake is not None:
        relay("[root@fake:22]", fake[0])

    open_streams = 2 * len(procs)
    deadline = time.time() + a.timeout
    while open_streams:
        try:
            i, kind, line = events.get(timeout=max(0.1, deadline - time.time()))
        except queue.Empty:
            print("relay: timeout, killing tools", flush=True)
            for p in procs:
                p.kill()
            break
        if kind.endswith("-eof"):
            open_streams -= 1
            if kind == "stdout-eof":
                closed[i] = True
            continue
        if kind == "stdout" and line.startswith(PREFIX + " SYNC "):
            relay(names[i], line[len(PREFIX + " SYNC "):])
        else:
            print("host%d %s: %s" % (i + 1, kind, line), flush=True)

    rc = 0
    for i, p in enumerate(procs):
        code = p.wait()
        print("host%d exit %d" % (i + 1, code), flush=True)
        if code:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
