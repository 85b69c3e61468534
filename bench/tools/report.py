#!/usr/bin/env python3
"""Turns the raw records of one compare.sh run into the printed table and the CSV.

usage: report.py RAW_TSV CSV_OUT TXT_OUT [pinned|unpinned]   (default pinned)

raw.tsv rows (tab separated):
  wrk  ROUND SCENARIO PROXY WRK_OUTPUT_FILE PROXY_CPU_PCT LOAD_CORE_PCT PROXY_CORE_PCT
       [HOST_BUSY_PCT LOAD_SIDE_CPU_PCT FOREIGN_PCT]
       (unpinned: LOAD_CORE_PCT and PROXY_CORE_PCT empty; HOST_BUSY_PCT is the whole machine in % of
       all its cores, LOAD_SIDE_CPU_PCT the load clients' and backends' own CPU in % of one core,
       FOREIGN_PCT what else ran: pinned on the proxy core, unpinned anywhere, in % of one core)
  mem  ROUND SCENARIO PROXY RSS_IDLE_KIB RSS_LOADED_KIB OPEN FAILED STILL_OPEN [THREADS]
  start ROUND SCENARIO PROXY MS_TO_FIRST_ANSWER CPU_MS RSS_KIB THREADS   (one fresh start)
  skip ROUND SCENARIO PROXY REASON
Figures over rounds are medians; errors are summed.
"""
import csv
import re
import statistics
import sys

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
PROXIES = ["haproxy", "nginx", "ingress", "ingress2"]
SCENARIOS = {
    "1": "1 keep-alive c50",
    "2": "2 keep-alive c1000",
    "3": "3 conn-close c50",
    "4": "4 1MiB body c10",
    "5": "5 tcp relay c50",
    "6": "6 idle conns (KiB/conn)",
    "6h": "6 idle conns: live heap",
    "6s": "6 start: first answer",
    "7a": "7 routes: 1 rule c50",
    "7b": "7 routes: 10k host, last",
    "7c": "7 routes: 1k path, last",
    "8a": "8 tls: full handshake/req c50",
    "8b": "8 tls: resumed/req c50 (h2load)",
    "8c": "8 tls: keep-alive c50",
    "8d": "8 tls: 1MiB body c10",
    "9a": "9 tls passthrough: keep-alive c50",
    "9b": "9 tls passthrough: conn/req c50",
    "10": "10 h2c: h2load c10 m100",
    "11": "11 tls h2: h2load c10 m100",
    "12": "12 websocket echo c50",
}
UNITS = {"12": "msg/s"}
ORDER = list(SCENARIOS)


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNIT_MS[m.group(2)] if m else None


def h2load_percentiles(log_path):
    """p50 and p99 in ms from h2load's --log-file (start us, status, duration us per request); None without one."""
    try:
        with open(log_path) as f:
            times = sorted(int(line.split("\t")[2]) for line in f if line.count("\t") >= 2)
    except (OSError, ValueError, IndexError):
        return None, None
    if not times:
        return None, None
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] / 1000.0
    return pick(0.50), pick(0.99)


def parse_ws(text):
    """ws-load.js's line: messages/s, p50 and p99 ms, errors."""
    m = re.search(r"^ws-load: .*?([\d.]+) msg/s, p50 ([\d.]+) ms, p99 ([\d.]+) ms, errors (\d+)", text, re.M)
    if not m:
        return None
    return {"rps": float(m.group(1)), "p50": float(m.group(2)), "p99": float(m.group(3)), "errors": int(m.group(4)),
            "transfer": ""}


def parse_h2load(text):
    """h2load's summary: requests/s and errors (failed requests + 4xx/5xx); percentiles only from a --log-file."""
    rps = re.search(r"^finished in \S+, ([\d.]+) req/s", text, re.M)
    if not rps:
        return None
    errors = 0
    req = re.search(r"requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed", text)
    if req:
        errors += int(req.group(1))
    codes = re.search(r"status codes: \d+ 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx", text)
    if codes:
        errors += int(codes.group(1)) + int(codes.group(2))
    return {"rps": float(rps.group(1)), "p50": None, "p99": None, "errors": errors, "transfer": ""}


def parse_wrk(path):
    """Requests/s, p50 ms, p99 ms, errors (socket errors + non-2xx/3xx), transfer/s text."""
    text = open(path, errors="replace").read()
    if "ws-load:" in text:
        return parse_ws(text)
    if text.lstrip().startswith("starting benchmark") or "h2load" in text[:200] or "\nfinished in " in text:
        h = parse_h2load(text)
        if h:
            h["p50"], h["p99"] = h2load_percentiles(path + ".log")
        return h
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        return None
    pct = {m.group(1): to_ms(m.group(2)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M)}
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    transfer = re.search(r"Transfer/sec:\s+(\S+)", text)
    return {"rps": float(rps.group(1)), "p50": pct.get("50"), "p99": pct.get("99"),
            "errors": errors, "transfer": transfer.group(1) if transfer else ""}


def num(fields, i):
    """Field i as a float; None when it is missing or empty (a figure the run's mode has not)."""
    return float(fields[i]) if len(fields) > i and fields[i] != "" else None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=2):
    if v is None:
        return ""
    return f"{v:.{digits}f}"


def cpu_us_per_req(row):
    """The proxy's own CPU per request (per message in scenario 12) in microseconds: cpu% / rate."""
    cpu, value = row.get("cpu"), row.get("value")
    if cpu is None or not value or row.get("unit") not in ("req/s", "msg/s"):
        return None
    return cpu / 100 / value * 1e6


def main():
    raw, csv_out, txt_out = sys.argv[1], sys.argv[2], sys.argv[3]
    pinning = sys.argv[4] if len(sys.argv) > 4 else "pinned"
    if pinning not in ("pinned", "unpinned"):
        sys.exit(f"report.py: pinning '{pinning}' (expected: pinned or unpinned)")
    pinned = pinning == "pinned"
    runs = {}   # (scenario, proxy) -> list of dicts
    skips = {}
    for line in open(raw):
        f = line.rstrip("\n").split("\t")
        kind, rnd, scen, proxy = f[0], f[1], f[2], f[3]
        key = (scen, proxy)
        if kind == "wrk":
            w = parse_wrk(f[4])
            if w is None:
                skips.setdefault(key, []).append(f"round {rnd}: wrk printed no result ({f[4]})")
                continue
            w.update(cpu=float(f[5]), load_core=num(f, 6), proxy_core=num(f, 7), host=num(f, 8),
                     load_side=num(f, 9), round=rnd)
            # Pinned: CPU on the proxy's core that the proxy did not use. Unpinned: compare.sh's figure
            # for CPU anywhere on the machine that neither the proxy nor the load side used.
            foreign = w["proxy_core"] - w["cpu"] if pinned and w["proxy_core"] is not None else num(f, 10)
            w["foreign"] = foreign
            runs.setdefault(key, []).append(w)
        elif kind == "mem":
            idle, loaded, opened, failed, still = (int(x) for x in f[4:9])
            per = (loaded - idle) / opened if opened else None
            runs.setdefault(key, []).append({"kib": per, "idle": idle, "loaded": loaded, "open": opened,
                                             "failed": failed, "still": still, "round": rnd,
                                             "threads": int(f[9]) if len(f) > 9 and f[9] else None})
        elif kind == "start":
            ms, cpu, rss, threads = (int(x) for x in f[4:8])
            runs.setdefault(key, []).append({"ms": ms, "cpu": cpu, "rss": rss, "threads": threads, "round": rnd})
        elif kind == "skip":
            skips.setdefault(key, []).append(f"round {rnd}: {f[4]}")

    rows = []
    agg = {}
    for scen in ORDER:
        for proxy in PROXIES:
            rs = runs.get((scen, proxy))
            if not rs:
                if (scen, proxy) in skips:
                    rows.append({"scenario": SCENARIOS[scen], "proxy": proxy, "note": "; ".join(skips[(scen, proxy)][:1])})
                continue
            if scen == "6s":
                ms = sorted(r["ms"] for r in rs)
                a = {"value": med(ms), "unit": "ms", "errors": 0,
                     "note": "from exec to the first 200; {} starts, {}..{} ms; cpu {:.0f} ms; then idle: rss {:.1f} MiB, "
                     "{:.0f} threads".format(len(ms), ms[0], ms[-1], med([r["cpu"] for r in rs]),
                                             med([r["rss"] for r in rs]) / 1024, med([r["threads"] for r in rs]))}
            elif scen in ("6", "6h"):
                threads = med([r["threads"] for r in rs])
                a = {"value": med([r["kib"] for r in rs]), "unit": "KiB/conn", "errors": sum(r["failed"] for r in rs)
                     + sum(r["open"] - r["still"] for r in rs),
                     "note": ("live heap after full GC" if scen == "6h" else "rss")
                     + " idle {:.1f} MiB, with conns {:.1f} MiB, open {}, still open after hold {}".format(
                         med([r["idle"] for r in rs]) / 1024, med([r["loaded"] for r in rs]) / 1024,
                         min(r["open"] for r in rs), min(r["still"] for r in rs))
                     + ("" if threads is None or scen == "6h" else ", {:.0f} threads".format(threads))}
            else:
                rps = [r["rps"] for r in rs]
                a = {"value": med(rps), "unit": UNITS.get(scen, "req/s"), "p50": med([r["p50"] for r in rs]),
                     "p99": med([r["p99"] for r in rs]), "errors": sum(r["errors"] for r in rs),
                     "cpu": med([r["cpu"] for r in rs]), "load_core": med([r["load_core"] for r in rs]),
                     "proxy_core": med([r["proxy_core"] for r in rs]),
                     "host": med([r["host"] for r in rs]), "load_side": med([r["load_side"] for r in rs]),
                     "note": "rounds " + "/".join(f"{x:.0f}" for x in rps)
                     + (f", transfer {rs[0]['transfer']}/s" if scen in ("4", "8d") else "")}
            if scen not in ("6", "6h", "6s"):
                # Something else ran beside the proxy and its load (see "foreign" above).
                foreign = [r["foreign"] for r in rs if r["foreign"] is not None and r["foreign"] > 10]
                if foreign:
                    where = "the proxy core" if pinned else "the machine"
                    a["note"] += f"; NOISE: other load on {where} in {len(foreign)} round(s), up to {max(foreign):.0f}%"
            if (scen, proxy) in skips:
                a["note"] += "; also " + "; ".join(skips[(scen, proxy)][:1])
            a["rounds"] = len(rs)
            agg[(scen, proxy)] = a
            rows.append(dict(a, scenario=SCENARIOS[scen], proxy=proxy, key=scen))

    for r in rows:
        if "key" not in r:
            continue
        for peer, col in (("haproxy", "vs_haproxy"), ("nginx", "vs_nginx")):
            p = agg.get((r["key"], peer))
            # KiB/conn near zero (pages touched earlier, tables allocated at start) makes ratios noise
            tiny = r.get("unit") == "KiB/conn" and (abs(r["value"] or 0) < 0.1 or abs(p["value"] or 0) < 0.1) if p else False
            if p and p["value"] and r["value"] is not None and not tiny:
                r[col] = r["value"] / p["value"]
        h = agg.get((r["key"], "haproxy"))
        if h and h.get("p99") and r.get("p99") is not None:
            r["p99_vs_haproxy"] = r["p99"] / h["p99"]
        if r["key"] in ("7b", "7c"):
            base = agg.get(("7a", r["proxy"]))
            if base and base["value"]:
                r["note"] = f"= {r['value'] / base['value']:.3f}x its 1-rule figure; " + r["note"]

    # New columns go at the end, so that readers by position (bench/smoke.sh) keep working. pinning tells
    # a pinned run's rows from an unpinned one's; proxy_core_pct and load_core_pct exist only pinned,
    # host_busy_pct (whole machine, % of all cores) and load_side_cpu_pct (% of one core) in both.
    cols = ["scenario", "proxy", "value", "unit", "p50_ms", "p99_ms", "errors", "proxy_cpu_pct",
            "proxy_core_pct", "load_core_pct", "vs_haproxy", "vs_nginx", "p99_vs_haproxy", "rounds", "note",
            "pinning", "host_busy_pct", "load_side_cpu_pct", "proxy_cpu_us_per_req"]
    with open(csv_out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get("scenario"), r.get("proxy"),
                        fmt(r.get("value"), 1 if r.get("unit") in ("req/s", "msg/s", "ms") else 2), r.get("unit", ""),
                        fmt(r.get("p50"), 3), fmt(r.get("p99"), 3), r.get("errors", ""),
                        fmt(r.get("cpu"), 0), fmt(r.get("proxy_core"), 0), fmt(r.get("load_core"), 0),
                        fmt(r.get("vs_haproxy")), fmt(r.get("vs_nginx")), fmt(r.get("p99_vs_haproxy")),
                        r.get("rounds", 0), r.get("note", ""),
                        pinning, fmt(r.get("host"), 0), fmt(r.get("load_side"), 0), fmt(cpu_us_per_req(r), 1)])

    # Pinned: how busy the proxy's core and the load core were. Unpinned there are no such cores: the
    # whole machine (host%) and the load side's own CPU (load cpu%) take their places.
    busy = ("core%", "load%") if pinned else ("host%", "load cpu%")
    head = ["scenario", "proxy", "value", "unit", "p50 ms", "p99 ms", "errors", "cpu%", *busy, "vs haproxy",
            "vs nginx", "p99/hap", "note"]
    table = [head]
    for r in rows:
        table.append([r.get("scenario", ""), r.get("proxy", ""),
                      fmt(r.get("value"), 0 if r.get("unit") in ("req/s", "msg/s", "ms") else 2), r.get("unit", ""),
                      fmt(r.get("p50"), 2), fmt(r.get("p99"), 2), str(r.get("errors", "")),
                      fmt(r.get("cpu"), 0),
                      *((fmt(r.get("proxy_core"), 0), fmt(r.get("load_core"), 0)) if pinned
                        else (fmt(r.get("host"), 0), fmt(r.get("load_side"), 0))),
                      fmt(r.get("vs_haproxy")), fmt(r.get("vs_nginx")),
                      fmt(r.get("p99_vs_haproxy")), r.get("note", "")])
    widths = [max(len(t[i]) for t in table) for i in range(len(head) - 1)]
    lines = []
    for i, t in enumerate(table):
        cells = [c.rjust(widths[j]) if j >= 2 else c.ljust(widths[j]) for j, c in enumerate(t[:-1])]
        lines.append("  ".join(cells) + "  " + t[-1])
        if i == 0:
            lines.append("-" * len(lines[0]))
    text = "\n".join(lines) + "\n"
    with open(txt_out, "w") as fh:
        fh.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
