#!/usr/bin/env python3
"""Times the TLS handshake and the first request of new connections to one port, resuming the session
and sending Connection: close, with Nagle on (third argument 0) or TCP_NODELAY (1), as wrk does (Nagle on).
Found the 40 ms wait for the ACK of the client Finished (tls/FinishedAck; bench/BENCHMARKS.md, TLS run).

usage: tls-nagle-probe.py PORT CONNECTIONS 0|1
"""
import socket, ssl, time, sys, statistics
port=int(sys.argv[1]); n=int(sys.argv[2]); nodelay=sys.argv[3]=='1'
ctx=ssl.create_default_context(); ctx.check_hostname=False; ctx.verify_mode=ssl.CERT_NONE
ctx.minimum_version=ssl.TLSVersion.TLSv1_3
sess=None; hs=[]; rq=[]; tot=[]; reused=0
for i in range(n):
    t0=time.perf_counter()
    s=socket.create_connection(('127.0.0.1',port))
    if nodelay: s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ss=ctx.wrap_socket(s, server_hostname='localhost', session=sess)
    t1=time.perf_counter()
    ss.sendall(b'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    data=b''
    while True:
        d=ss.recv(65536)
        if not d: break
        data+=d
    t2=time.perf_counter()
    if ss.session_reused: reused+=1
    sess=ss.session
    ss.close()
    hs.append((t1-t0)*1000); rq.append((t2-t1)*1000); tot.append((t2-t0)*1000)
q=lambda a: "p50 %.2f p90 %.2f max %.2f" % (statistics.median(a), sorted(a)[int(len(a)*.9)], max(a))
print(port, "nodelay" if nodelay else "nagle", "reused", reused, "| handshake", q(hs), "| request", q(rq))
