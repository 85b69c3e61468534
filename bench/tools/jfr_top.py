#!/usr/bin/env python3
"""Hot methods of a JFR recording: runs `jfr print --events jdk.ExecutionSample` and counts
top frames (self time) and frames anywhere on the stack (total time, each method once per sample).

usage: jfr_top.py RECORDING.jfr [N]
"""
import collections
import re
import subprocess
import sys


def samples(path):
    out = subprocess.run(["jfr", "print", "--stack-depth", "64", "--events", "jdk.ExecutionSample", path],
                         check=True, capture_output=True, text=True).stdout
    stack, thread, inside = [], "", False
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("sampledThread"):
            m = re.search(r'"([^"]*)"', s)
            thread = m.group(1) if m else ""
        elif s.startswith("stackTrace = ["):
            inside, stack = True, []
        elif inside and s == "]":
            inside = False
            yield thread, stack
        elif inside and s and s != "...":
            stack.append(re.sub(r"\s+line:.*$", "", s))


def short(frame):
    return re.sub(r"\(.*\)$", "", frame)


def package(frame):
    name = short(frame).rsplit(".", 2)[0]   # drop Class.method
    parts = name.split(".")
    return ".".join(parts[:4])


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    self_c, total_c, threads = collections.Counter(), collections.Counter(), collections.Counter()
    pkg_c, own_c = collections.Counter(), collections.Counter()
    count = 0
    for thread, stack in samples(path):
        if not stack:
            continue
        count += 1
        threads[thread] += 1
        self_c[short(stack[0])] += 1
        pkg_c[package(stack[0])] += 1
        # the innermost Swarm Ingress frame: which of our methods the time is spent under
        own = next((short(x) for x in stack if x.startswith("io.swarmingress.")), "(no io.swarmingress frame)")
        own_c[own] += 1
        for f in {short(x) for x in stack}:
            total_c[f] += 1
    print(f"JFR {path}: {count} execution samples")
    print("threads: " + ", ".join(f"{t} {c * 100 / count:.0f}%" for t, c in threads.most_common(6)))
    print(f"\ntop {n} methods by self samples (top frame):")
    for f, c in self_c.most_common(n):
        print(f"  {c * 100 / count:5.1f}%  {c:6d}  {f}")
    print("\nself samples by package:")
    for f, c in pkg_c.most_common(12):
        print(f"  {c * 100 / count:5.1f}%  {c:6d}  {f}")
    print("\nsamples by innermost io.swarmingress frame (our code the time is spent under):")
    for f, c in own_c.most_common(15):
        print(f"  {c * 100 / count:5.1f}%  {c:6d}  {f}")
    print(f"\ntop {n} methods by total samples (anywhere on the stack):")
    for f, c in total_c.most_common(n):
        print(f"  {c * 100 / count:5.1f}%  {c:6d}  {f}")


if __name__ == "__main__":
    main()
