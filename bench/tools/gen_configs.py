#!/usr/bin/env python3
"""Writes every config the side-by-side benchmark needs into one scratch directory.

backend.conf         nginx, 1 worker, 127.0.0.1:18081-18083: a short fixed body on /, 1 MiB on /1m
haproxy.cfg          HAProxy, nbthread 1, http-reuse always: http :19100, tcp :19110
nginx.conf           nginx proxy, 1 worker, upstream keepalive: http :19200, stream :19210 (if available)
routes-ingress.yaml  Swarm Ingress with HOSTS host rules and PATHS path rules on :19001 (admin :19091)
routes-haproxy.cfg   HAProxy with the same table as two map files on :19101
routes-nginx.conf    nginx with the same table as server blocks and locations on :19201
ingress.yaml         Swarm Ingress: bench/proxy-bench.yaml, plus with --tls the TLS entrypoints

With --tls DIR (cert.pem, key.pem and combined.pem: one ECDSA P-256 certificate for all), every
proxy also terminates TLS 1.3 in front of the same backend (HAProxy :19130, nginx :19230,
Ingress :19040) and passes TLS through by SNI to the backend's own TLS listener :18443 (HAProxy
mode tcp with req.ssl_sni :19120, nginx stream with ssl_preread :19220, Ingress tls_passthrough :19050).

With --h2 10,11,12 (the HTTP/2 and WebSocket scenarios asked for), the proxies also get:
  10  h2c with prior knowledge: HAProxy `bind ... proto h2` :19140, nginx `listen ... http2` :19240
      (Swarm Ingress serves h2c on its http entrypoint :19000 already)
  11  HTTP/2 over TLS by ALPN (needs --tls): HAProxy `alpn h2,http/1.1` :19150, nginx `listen ... ssl
      http2` :19250 (Swarm Ingress offers h2 by ALPN on :19040 already)
  12  WebSocket to the echo server on 127.0.0.1:18090 (bench/tools/ws-echo.js): HAProxy :19160,
      nginx :19260, Swarm Ingress :19080
nginx gets `listen ... http2` rather than `http2 on;`: Debian 12's nginx 1.22 knows only the former
(newer versions still take it, with a deprecation warning).

Every address is on loopback. All rules point to the same three endpoints, so only the cost of
matching differs between the one-rule and the many-rule instances.
"""
import argparse
import os

NOFILE = 20000  # replaced by --nofile: the `ulimit -n` every process of the run gets
BACKENDS = ["127.0.0.1:18081", "127.0.0.1:18082", "127.0.0.1:18083"]
SHORT_BODY = "swarm-ingress bench backend\\n"


def host_name(i):
    return f"h{i:05d}.routes.bench"


def path_prefix(j):
    return f"/p{j:04d}/"


def temp_paths(work, name):
    return "\n".join(
        f"    {d}_temp_path {work}/{name}-tmp/{d};"
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))


TLS = None  # replaced by --tls: the directory of cert.pem, key.pem, combined.pem
H2 = set()  # replaced by --h2: which of the HTTP/2 and WebSocket scenarios (10, 11, 12) run
WS_BACKEND = "127.0.0.1:18090"
TLS_BACKEND = "127.0.0.1:18443"


def backend_tls_server():
    """The backend's TLS listener, the server behind every passthrough (it terminates TLS itself)."""
    if not TLS:
        return ""
    return f"""
    server {{
        listen {TLS_BACKEND} ssl backlog=4096;
        ssl_certificate {TLS}/cert.pem;
        ssl_certificate_key {TLS}/key.pem;
        ssl_protocols TLSv1.3;
        ssl_session_cache shared:BSSL:10m;
        location / {{ return 200 "{SHORT_BODY}"; }}
    }}"""


def backend_conf(work):
    listens = "\n".join(f"        listen {b} backlog=4096;" for b in BACKENDS)
    return f"""# Backend for the benchmark: one nginx worker, three listeners.
worker_processes 1;
worker_rlimit_nofile {NOFILE};
daemon off;
pid {work}/backend.pid;
error_log {work}/backend-error.log warn;
events {{
    worker_connections {NOFILE - 200};
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 300s;
    keepalive_requests 100000000;
    default_type application/octet-stream;
{temp_paths(work, "backend")}
    server {{
{listens}
        root {work}/www;
        location = /1m {{ }}
        location / {{ return 200 "{SHORT_BODY}"; }}
    }}{backend_tls_server()}
}}
"""


def haproxy_servers():
    return "\n".join(f"    server s{i + 1} {b}" for i, b in enumerate(BACKENDS))


HAPROXY_HEAD = """global
    nbthread 1
    # from the descriptor limit the harness runs with: high enough for 10,000 idle clients, and
    # HAProxy's wish for 2 descriptors per connection only warns instead of refusing to start
    maxconn {MAXCONN}
    no strict-limits
    # no server-side session cache: scenario 8a's listener (no-tls-tickets) then can only do full
    # handshakes; 8b's resumes with tickets, as the other proxies' do
    tune.ssl.cachesize 0

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 60s
    http-reuse always
    maxconn {MAXCONN}
"""


def haproxy_head():
    return HAPROXY_HEAD.replace("{NOFILE}", str(NOFILE)).replace("{MAXCONN}", str(NOFILE * 6 // 10))


def haproxy_cfg(work):
    return haproxy_head() + f"""
frontend fe_http
    bind 127.0.0.1:19100
    default_backend be

backend be
    balance roundrobin
{haproxy_servers()}

frontend fe_tcp
    mode tcp
    bind 127.0.0.1:19110
    default_backend be_tcp

backend be_tcp
    mode tcp
    balance leastconn
{haproxy_servers()}
""" + haproxy_tls() + haproxy_h2()


def haproxy_h2():
    out = ""
    if "10" in H2:
        out += """
frontend fe_h2c
    bind 127.0.0.1:19140 proto h2
    default_backend be
"""
    if "11" in H2 and TLS:
        out += f"""
frontend fe_h2tls
    bind 127.0.0.1:19150 ssl crt {TLS}/combined.pem ssl-min-ver TLSv1.3 alpn h2,http/1.1
    default_backend be
"""
    if "12" in H2:
        out += f"""
frontend fe_ws
    bind 127.0.0.1:19160
    default_backend be_ws

backend be_ws
    timeout tunnel 1h
    server ws {WS_BACKEND}
"""
    return out


def haproxy_tls():
    if not TLS:
        return ""
    return f"""
frontend fe_https
    bind 127.0.0.1:19130 ssl crt {TLS}/combined.pem ssl-min-ver TLSv1.3 alpn http/1.1
    default_backend be

# scenario 8a: no resumption at all (wrk resumes whenever the server lets it), so every connection is a full handshake
frontend fe_https_full
    bind 127.0.0.1:19131 ssl crt {TLS}/combined.pem ssl-min-ver TLSv1.3 alpn http/1.1 no-tls-tickets
    default_backend be

frontend fe_pass
    mode tcp
    bind 127.0.0.1:19120
    tcp-request inspect-delay 5s
    tcp-request content accept if {{ req.ssl_hello_type 1 }}
    use_backend be_tls if {{ req.ssl_sni -i localhost }}
    default_backend be_tls

backend be_tls
    mode tcp
    server tls {TLS_BACKEND}
"""


def haproxy_routes_cfg(work, hosts, paths):
    with open(os.path.join(work, "routes-hosts.map"), "w") as f:
        for i in range(hosts):
            f.write(f"{host_name(i)} be\n")
    with open(os.path.join(work, "routes-paths.map"), "w") as f:
        for j in range(paths):
            f.write(f"{path_prefix(j)} be\n")
    return haproxy_head() + f"""
# {hosts} host rules and {paths} path rules as maps: the way an operator writes a large table
# in HAProxy (a hash lookup for exact hosts, a prefix tree for paths).
frontend fe_routes
    bind 127.0.0.1:19101
    acl host_rule req.hdr(host),field(1,:),lower,map_str({work}/routes-hosts.map) -m found
    acl path_rule path,map_beg({work}/routes-paths.map) -m found
    use_backend %[req.hdr(host),field(1,:),lower,map_str({work}/routes-hosts.map)] if host_rule
    use_backend %[path,map_beg({work}/routes-paths.map)] if path_rule

backend be
    balance roundrobin
{haproxy_servers()}
"""


def nginx_upstream():
    servers = "\n".join(f"        server {b};" for b in BACKENDS)
    return f"""    upstream backend {{
{servers}
        keepalive 1024;
        keepalive_requests 100000000;
        keepalive_timeout 60s;
    }}"""


def nginx_http_common(work, name):
    return f"""    access_log off;
    keepalive_timeout 60s;
    keepalive_requests 100000000;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_max_temp_file_size 0;
{temp_paths(work, name)}
{nginx_upstream()}"""


def nginx_head(work, name, stream_module):
    load = f"load_module {stream_module};\n" if stream_module else ""
    return f"""{load}worker_processes 1;
worker_rlimit_nofile {NOFILE};
daemon off;
pid {work}/{name}.pid;
error_log {work}/{name}-error.log warn;
events {{
    worker_connections {NOFILE - 200};
}}
"""


def nginx_conf(work, stream, stream_module):
    servers = "\n".join(f"        server {b};" for b in BACKENDS)
    stream_block = f"""
stream {{
    upstream be_tcp {{
        least_conn;
{servers}
    }}
    server {{
        listen 127.0.0.1:19210 backlog=4096;
        proxy_pass be_tcp;
    }}{nginx_stream_tls()}
}}
""" if stream else "\n# no stream module in this nginx: scenario 5 runs without nginx\n"
    tls_server = f"""
    server {{
        listen 127.0.0.1:19230 ssl backlog=4096;
        ssl_certificate {TLS}/cert.pem;
        ssl_certificate_key {TLS}/key.pem;
        ssl_protocols TLSv1.3;
        ssl_session_cache shared:SSL:10m;
        ssl_session_tickets on;
        location / {{ proxy_pass http://backend; }}
    }}
    server {{
        # scenario 8a: no resumption, every connection a full handshake
        listen 127.0.0.1:19231 ssl backlog=4096;
        ssl_certificate {TLS}/cert.pem;
        ssl_certificate_key {TLS}/key.pem;
        ssl_protocols TLSv1.3;
        ssl_session_cache off;
        ssl_session_tickets off;
        location / {{ proxy_pass http://backend; }}
    }}""" if TLS else ""
    return nginx_head(work, "nginx", stream_module if stream else None) + f"""http {{
{nginx_http_common(work, "nginx")}
    server {{
        listen 127.0.0.1:19200 backlog=4096;
        location / {{ proxy_pass http://backend; }}
    }}{tls_server}{nginx_h2()}
}}
""" + stream_block


def nginx_h2():
    out = ""
    if "10" in H2:
        out += """
    server {
        listen 127.0.0.1:19240 http2 backlog=4096;
        location / { proxy_pass http://backend; }
    }"""
    if "11" in H2 and TLS:
        out += f"""
    server {{
        listen 127.0.0.1:19250 ssl http2 backlog=4096;
        ssl_certificate {TLS}/cert.pem;
        ssl_certificate_key {TLS}/key.pem;
        ssl_protocols TLSv1.3;
        location / {{ proxy_pass http://backend; }}
    }}"""
    if "12" in H2:
        # A location with proxy_set_header of its own inherits none from the http block: Host again here.
        out += f"""
    upstream ws_backend {{
        server {WS_BACKEND};
    }}
    server {{
        listen 127.0.0.1:19260 backlog=4096;
        location / {{
            proxy_pass http://ws_backend;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
    }}"""
    return out


def nginx_stream_tls():
    if not TLS:
        return ""
    return f"""
    map $ssl_preread_server_name $tls_upstream {{
        localhost {TLS_BACKEND};
        default {TLS_BACKEND};
    }}
    server {{
        listen 127.0.0.1:19220 backlog=4096;
        ssl_preread on;
        proxy_pass $tls_upstream;
    }}"""


def ingress_yaml(bench_yaml):
    """bench/proxy-bench.yaml, with the TLS entrypoints, routes and service added under --tls, the WebSocket ones under --h2 12."""
    text = open(bench_yaml).read()
    if "12" in H2:
        text = ingress_ws(text)
    if not TLS:
        return text
    text = text.replace("entrypoints:\n", f"""entrypoints:
  - name: bench-https
    address: 127.0.0.1:19040
    protocol: http
    tls:
      certificates: [{{cert: {TLS}/cert.pem, key: {TLS}/key.pem}}]
      protocols: [TLSv1.3]
  - name: bench-https-full        # scenario 8a: no resumption, every connection a full handshake
    address: 127.0.0.1:19041
    protocol: http
    tls:
      certificates: [{{cert: {TLS}/cert.pem, key: {TLS}/key.pem}}]
      protocols: [TLSv1.3]
      session_tickets: false
      session_cache_size: 0
  - name: bench-pass
    address: 127.0.0.1:19050
    protocol: tcp
    tls_passthrough: true
    service: backend-tls
""", 1)
    text = text.replace("routes:\n", """routes:
  - entrypoint: bench-https
    path_prefix: /
    service: backend
  - entrypoint: bench-https-full
    path_prefix: /
    service: backend
  - entrypoint: bench-pass
    host: localhost
    service: backend-tls
""", 1)
    text = text.replace("services:\n", f"""services:
  - name: backend-tls
    endpoints: [{TLS_BACKEND}]
""", 1)
    return text


def ingress_ws(text):
    text = text.replace("entrypoints:\n", """entrypoints:
  - name: bench-ws
    address: 127.0.0.1:19080
    protocol: http
""", 1)
    text = text.replace("routes:\n", """routes:
  - entrypoint: bench-ws
    path_prefix: /
    service: ws-echo
""", 1)
    return text.replace("services:\n", f"""services:
  - name: ws-echo
    endpoints: [{WS_BACKEND}]
""", 1)


def nginx_routes_conf(work, hosts, paths):
    out = [nginx_head(work, "routes-nginx", None), "http {", nginx_http_common(work, "routes-nginx"),
           "    server_names_hash_max_size 65536;", "    server_names_hash_bucket_size 128;"]
    locations = "\n".join(f"        location {path_prefix(j)} {{ proxy_pass http://backend; }}"
                          for j in range(paths))
    out.append(f"""    server {{
        listen 127.0.0.1:19201 default_server backlog=4096;
{locations}
    }}""")
    for i in range(hosts):
        out.append(f"    server {{ listen 127.0.0.1:19201; server_name {host_name(i)}; "
                   f"location / {{ proxy_pass http://backend; }} }}")
    out.append("}")
    return "\n".join(out) + "\n"


def ingress_routes_yaml(hosts, paths):
    out = [f"# {hosts} host rules, then {paths} path rules; the benchmark asks for the last of each.",
           "io_threads: 1", "admin:", "  address: 127.0.0.1:19091", "entrypoints:",
           "  - name: bench-routes", "    address: 127.0.0.1:19001", "    protocol: http", "routes:"]
    for i in range(hosts):
        out.append(f"  - {{entrypoint: bench-routes, host: {host_name(i)}, path_prefix: /, service: backend}}")
    for j in range(paths):
        out.append(f"  - {{entrypoint: bench-routes, path_prefix: {path_prefix(j)}, service: backend}}")
    out += ["services:", "  - name: backend", "    lb: round_robin",
            "    endpoints: [" + ", ".join(BACKENDS) + "]"]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--hosts", type=int, default=10000)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--stream", choices=["yes", "no"], default="no")
    ap.add_argument("--stream-module", default="", help="path of ngx_stream_module.so when it is dynamic")
    ap.add_argument("--nofile", type=int, default=20000)
    ap.add_argument("--routes", choices=["yes", "no"], default="yes")
    ap.add_argument("--tls", default="", help="directory of cert.pem, key.pem, combined.pem: adds the TLS scenarios' listeners")
    ap.add_argument("--ingress-yaml", required=True, help="bench/proxy-bench.yaml")
    ap.add_argument("--h2", default="", help="comma list of the HTTP/2 and WebSocket scenarios (10, 11, 12) to add listeners for")
    a = ap.parse_args()
    global NOFILE, TLS, H2
    NOFILE = a.nofile
    TLS = os.path.abspath(a.tls) if a.tls else None
    H2 = set(x for x in a.h2.split(",") if x)
    work = os.path.abspath(a.work)
    os.makedirs(os.path.join(work, "www"), exist_ok=True)
    # nginx creates the temp dirs itself (owned by its worker user); only their parent must exist.
    for name in ("backend", "nginx", "routes-nginx"):
        os.makedirs(os.path.join(work, f"{name}-tmp"), exist_ok=True)
    with open(os.path.join(work, "www", "1m"), "wb") as f:
        f.write(bytes((i * 7 + 13) % 256 for i in range(1 << 20)))

    def write(name, text):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)

    write("backend.conf", backend_conf(work))
    write("haproxy.cfg", haproxy_cfg(work))
    write("nginx.conf", nginx_conf(work, a.stream == "yes", a.stream_module or None))
    write("ingress.yaml", ingress_yaml(a.ingress_yaml))
    if a.routes == "yes":
        write("routes-ingress.yaml", ingress_routes_yaml(a.hosts, a.paths))
        write("routes-haproxy.cfg", haproxy_routes_cfg(work, a.hosts, a.paths))
        write("routes-nginx.conf", nginx_routes_conf(work, a.hosts, a.paths))
    print(f"last host rule: {host_name(a.hosts - 1)}  last path rule: {path_prefix(a.paths - 1)}")


if __name__ == "__main__":
    main()
