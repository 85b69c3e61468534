# Swarm Ingress runtime image. It copies the shaded jar that Maven built; there is no build stage,
# so the image builds offline, in seconds (about 10 s on a daemon with the slow vfs storage driver):
#
#   mvn -B -q package -DskipTests
#   docker build -t swarm-ingress:latest .
#   # without a registry: bash deploy/jre-image.sh local/jre:17, then
#   DOCKER_BUILDKIT=0 docker build --build-arg JRE_IMAGE=local/jre:17 -t swarm-ingress:latest .
#
# Any Java 17+ runtime image with /bin/sh works as JRE_IMAGE.
ARG JRE_IMAGE=eclipse-temurin:21-jre
FROM ${JRE_IMAGE}

# The proxy runs as the user ingress (uid and gid 10001). On managers, discovery reads the Docker socket, which
# belongs to the host's docker group: DOCKER_GID makes the user a member of a group with that gid at
# build time (stat -c %g /var/run/docker.sock). At run time, docker run --group-add GID or, in a
# stack file, user: "10001:GID" does the same without rebuilding.
ARG DOCKER_GID=999
RUN echo "ingress:x:10001:" >>/etc/group \
 && echo "ingress-docker:x:${DOCKER_GID}:ingress" >>/etc/group \
 && echo "ingress:x:10001:10001:swarm-ingress:/app:/bin/sh" >>/etc/passwd \
 && mkdir -p /etc/swarm-ingress

COPY proxy-core/target/swarm-ingress.jar /app/swarm-ingress.jar
COPY deploy/ingress.yaml /etc/swarm-ingress/ingress.yaml

# INGRESS_CONFIG: the config file (deploy/stack.yml mounts a Swarm config there). Every value the
# file reads as ${NAME:-default} can be set like it (docker run -e, the stack's environment:).
#
# JAVA_OPTS: the proxy's JVM flags, all in this one variable; override it whole to tune them. They are
# chosen for a proxy that runs on every node: small when idle, quick to its first answer
# (bench/BENCHMARKS.md, "Footprint"; bench/compare.sh measures with this very line).
#   UseSerialGC, -Xms32m: the heap starts small and grows only as far as the live data needs (a proxy
#     keeps little); no GC threads. ParallelGC's adaptive sizing grew it to hundreds of MiB under load.
#   -Xmn24m: a young generation of 24 MiB whatever the heap: with -Xms8m alone it was a few MiB, and
#     collecting it over and over cost 20 % more CPU per keep-alive request (42.2 against 33.8 us in
#     one interleaved run) for the same idle RSS (103 MiB both, after load; 70.5 MiB after a start);
#   MaxRAMPercentage: the most the heap may grow follows the container's memory limit (set one:
#     without a limit it is a share of the whole host);
#   CompileThresholdScaling=3: methods are compiled after 3x the usual calls, so code that runs only
#     while the proxy starts is interpreted instead of compiled (a third of a start's CPU); the hot
#     path is compiled all the same within the first seconds of traffic;
#   SharedArchiveFile: the classes the proxy loads to start and answer, parsed and verified once at
#     build time (the RUN below) and mapped from the archive at every start; a JVM or jar other than
#     the ones it was made with ignores it (-Xshare:auto) and starts the slow way;
#   ExitOnOutOfMemoryError: a proxy out of heap exits and Swarm restarts it, rather than limping on.
ENV INGRESS_CONFIG=/etc/swarm-ingress/ingress.yaml \
    JAVA_OPTS="-XX:+UseSerialGC -Xms32m -Xmn24m -XX:MaxRAMPercentage=75 -XX:CompileThresholdScaling=3 -XX:SharedArchiveFile=/app/swarm-ingress.jsa -Xshare:auto -XX:+ExitOnOutOfMemoryError"

# The class data archive: a training run of the proxy with the image's config (without a Docker socket
# its first Swarm read fails at once, as on a worker whose relays are not up yet), asked for /healthz on
# its admin listener and for a page on its web entrypoint, then stopped; it lists the classes it loaded
# (-XX:DumpLoadedClassList) and -Xshare:dump writes them, the JDK's and ours, into one static archive
# (G1 at dump time archives interned strings too; any collector maps it). One static archive beat
# the JDK's default one plus a dynamic one (-XX:ArchiveClassesAtExit): 2 MiB less RSS, 0.25 s sooner.
# The healthcheck command is the client: slim images have no curl.
RUN opts="$(echo "$JAVA_OPTS" | sed 's/-XX:SharedArchiveFile=[^ ]*//')"; \
    INGRESS_SHUTDOWN_DELAY=0s java $opts -XX:DumpLoadedClassList=/tmp/swarm-ingress.classlist \
        -jar /app/swarm-ingress.jar --config "$INGRESS_CONFIG" >/tmp/cds-training.log 2>&1 & pid=$!; \
    hc="java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider -jar /app/swarm-ingress.jar healthcheck --timeout 2s"; \
    for i in $(seq 60); do $hc --config "$INGRESS_CONFIG" >/dev/null 2>&1 && break; sleep 1; done; \
    $hc --address 127.0.0.1:8080 >/dev/null 2>&1; \
    kill -TERM $pid; wait $pid; \
    java -Xshare:dump -XX:+UseG1GC -XX:SharedClassListFile=/tmp/swarm-ingress.classlist \
        -XX:SharedArchiveFile=/app/swarm-ingress.jsa -cp /app/swarm-ingress.jar >>/tmp/cds-training.log 2>&1 \
    && test -s /app/swarm-ingress.jsa || { cat /tmp/cds-training.log; exit 1; }; \
    rm -f /tmp/cds-training.log /tmp/swarm-ingress.classlist

USER ingress
# web (http), the admin probes (/healthz, /metrics), on managers the relay the workers' proxies
# follow (never published: the routed overlay network only), and the dashboard (on loopback unless
# INGRESS_ADMIN_ADDRESS opens it) of deploy/ingress.yaml
EXPOSE 8080 9090 9091 9092

# The healthcheck is a command of the jar itself (slim images have no curl, busybox's wget is not to
# be trusted). Each check starts a JVM, about 0.5 s of CPU: it is kept small (C1 only, serial GC, no
# logging backend) and runs every 10 s. Swarm counts a new task as running once it is healthy.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx32m", "-Xss512k", "-XX:-UsePerfData", "-Xshare:auto", \
         "-Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider", "-Dslf4j.internal.verbosity=WARN", \
         "-jar", "/app/swarm-ingress.jar", "healthcheck", "--timeout", "2s"]

# sh only expands JAVA_OPTS, then exec makes java PID 1: SIGTERM from docker stop / a Swarm update
# reaches the proxy, which drains (shutdown_delay, shutdown_grace) and exits 0.
# Arguments after the image name go to the jar (default: run with $INGRESS_CONFIG; or e.g. check --config FILE).
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS -jar /app/swarm-ingress.jar \"$@\"", "swarm-ingress"]
