#!/usr/bin/env python3
"""Start a proxy and time it from the moment it is started to its first answered request.

Runs CMD (after --), then sends `GET / HTTP/1.1` with Host: bench.local to 127.0.0.1:PORT every
few milliseconds until one is answered 200. Then it waits --settle seconds with the proxy idle and
prints one line:

  START ms=N cpu_ms=C rss_kib=R threads=T pid=P

ms is from just before the process is created to the first 200 (a refused or failed connection is
tried again); cpu_ms is the CPU time the proxy used until then (user + system: less sensitive to other
load on the machine than ms); rss_kib (VmRSS) and threads (/proc/PID/status) are summed over the process and its
children (nginx's master and worker). The proxy keeps running: the caller stops it (pid=P). With
--stop it is stopped (SIGTERM) before this script exits.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench.local\r\nUser-Agent: first-answer\r\nConnection: close\r\n\r\n"


def answered(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(REQUEST)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    return False
                data += chunk
            return data.split(b" ", 2)[1] == b"200"
    except OSError:
        return False


def family(pid):
    """The pid and its children's (nginx: master and worker)."""
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return pids


def status_sum(pids, field):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_ms(pids):
    """User + system CPU time of the processes so far, in ms (the start's cost, apart from other load's)."""
    ticks = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks * 1000 // os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--settle", type=float, default=2.0, help="seconds idle after the first answer before RSS is read")
    ap.add_argument("--log", default=os.devnull, help="the proxy's stdout and stderr")
    ap.add_argument("--stop", action="store_true", help="SIGTERM the proxy before exiting")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        sys.exit("first_answer: no command after --")
    log = open(a.log, "ab")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        ms, cpu = first_answer(proc, a.port, a.timeout, t0)
        time.sleep(a.settle)
        pids = family(proc.pid)
        print(f"START ms={ms:.0f} cpu_ms={cpu} rss_kib={status_sum(pids, 'VmRSS')} threads={status_sum(pids, 'Threads')} "
              f"pid={proc.pid}", flush=True)
    except BaseException:
        proc.kill()
        raise
    if a.stop:
        # A JVM that dumps a class data archive at exit (-XX:ArchiveClassesAtExit) takes a few seconds.
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            sys.exit("first_answer: the proxy did not stop within 60 s of SIGTERM")


def first_answer(proc, port, timeout, t0):
    """Ms from t0 to the first 200, and the CPU ms the proxy used until then."""
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            sys.exit(f"first_answer: the proxy exited with {proc.returncode} before answering")
        if answered(port):
            return (time.monotonic() - t0) * 1000, cpu_ms(family(proc.pid))
        time.sleep(0.005)
    sys.exit(f"first_answer: no 200 on port {port} within {timeout}s")


if __name__ == "__main__":
    main()
