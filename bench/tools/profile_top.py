#!/usr/bin/env python3
"""Where an event loop's CPU goes, from async-profiler's collapsed stacks: the share of kernel and
user time, the native calls the loop makes, the hottest leaf frames, and the project's and Netty's
frames by total time (each frame once per sample).

usage: profile_top.py STACKS.collapsed [N]   (only samples of Netty event-loop threads count)
"""
import collections
import re
import sys

LOOP = "SingleThreadIoEventLoop"


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    leaf, total, native = collections.Counter(), collections.Counter(), collections.Counter()
    loop = every = kernel = 0
    with open(path) as f:
        for line in f:
            stack, _, n = line.rstrip().rpartition(" ")
            n = int(n)
            every += n
            if LOOP not in stack:
                continue
            loop += n
            frames = stack.split(";")
            leaf[frames[-1]] += n
            if frames[-1].endswith("_[k]"):
                kernel += n
            for i, fr in enumerate(frames):
                if i > 0 and (fr.startswith(("netty_", "Java_")) or "libnetty" in fr):
                    native[frames[i - 1]] += n   # the Java method that went native
                    break
            for fr in {re.sub(r"_\[[jik]\]$", "", fr) for fr in frames}:
                total[fr] += n
    if loop == 0:
        sys.exit(f"profile_top.py: no event-loop samples in {path}")
    pct = lambda v: f"{v * 100 / loop:5.1f}%"
    print(f"event-loop samples: {loop} of {every}; kernel {pct(kernel)}, user {pct(loop - kernel)}")
    print("\nnative calls (time below each):")
    for k, v in native.most_common(12):
        print(f"  {pct(v)} {k}")
    print("\nhottest leaf frames:")
    for k, v in leaf.most_common(top):
        print(f"  {pct(v)} {k[:140]}")
    print("\nproject and Netty frames by total time:")
    shown = 0
    for k, v in total.most_common():
        if re.search(r"swarmingress|netty", k) and not re.search(r"FastThreadLocalRunnable|ThreadExecutorMap|SingleThreadEventExecutor", k):
            print(f"  {pct(v)} {k[:140]}")
            shown += 1
            if shown >= top * 2:
                break


if __name__ == "__main__":
    main()
