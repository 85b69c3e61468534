#!/usr/bin/env python3
"""Open N keep-alive HTTP/1.1 connections to host:port, send one request on each, read the
response, then hold them idle.

Prints 'READY open=N failed=M' once every connection has its response, sleeps --hold seconds
(while the caller measures the proxy's RSS), then prints 'DONE still_open=K' and exits.
"""
import argparse
import asyncio
import sys

REQUEST = b"GET / HTTP/1.1\r\nHost: bench.local\r\nUser-Agent: hold-conns\r\n\r\n"


async def one(host, port, sem, conns, timeout):
    async with sem:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except Exception:
            return False
        try:
            writer.write(REQUEST)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            status = head.split(b" ", 2)[1]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await asyncio.wait_for(reader.readexactly(length), timeout)
            if not status.startswith(b"2"):
                writer.close()
                return False
        except Exception:
            writer.close()
            return False
        conns.append((reader, writer))
        return True


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--hold", type=float, default=15.0)
    ap.add_argument("--parallel", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("hold_conns: loopback only")
    sem = asyncio.Semaphore(a.parallel)
    conns = []
    results = await asyncio.gather(*(one(a.host, a.port, sem, conns, a.timeout) for _ in range(a.n)))
    ok = sum(1 for r in results if r)
    print(f"READY open={ok} failed={a.n - ok}", flush=True)
    await asyncio.sleep(a.hold)
    still = sum(1 for r, _ in conns if not r.at_eof())
    print(f"DONE still_open={still}", flush=True)
    for _, w in conns:
        w.close()


if __name__ == "__main__":
    asyncio.run(main())
