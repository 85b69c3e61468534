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
# JAVA_OPTS: the proxy's JVM flags, all in this one variable; override it whole to tune them.
#   MaxRAMPercentage: the heap follows the container's memory limit (set one: without a limit it is
#     a share of the whole host);
#   ExitOnOutOfMemoryError: a proxy out of heap exits and Swarm restarts it, rather than limping on;
#   ParallelGC: the collector the benchmark runs with (bench/BENCHMARKS.md), best throughput on few cores.
ENV INGRESS_CONFIG=/etc/swarm-ingress/ingress.yaml \
    JAVA_OPTS="-XX:+UseParallelGC -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Xshare:auto"

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
