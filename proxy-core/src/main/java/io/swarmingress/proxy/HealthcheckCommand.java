package io.swarmingress.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.Durations;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code healthcheck}: asks a running proxy's admin listener for {@code /healthz} and exits 0 on
 * 200, 1 otherwise. It exists for Docker's {@code HEALTHCHECK}: slim JRE images have no curl, and
 * busybox's wget is not to be trusted, but every image that runs the proxy has its jar and a JVM.
 * A plain socket keeps it to one connection and no client threads, since it runs every few seconds.
 */
@Command(name = "healthcheck", mixinStandardHelpOptions = true,
        description = {"GETs /healthz from a running proxy's admin listener: exit 0 on HTTP 200, 1 otherwise.",
                "The address is --address, else the config's admin address (0.0.0.0 and :: mean 127.0.0.1), else "
                        + "127.0.0.1:9090."})
final class HealthcheckCommand implements Callable<Integer> {
    static final HostPort DEFAULT_ADDRESS = new HostPort("127.0.0.1", 9090);

    @Option(names = "--address", defaultValue = "${env:INGRESS_ADMIN_ADDRESS}", paramLabel = "HOST:PORT",
            description = "The admin listener (env INGRESS_ADMIN_ADDRESS).")
    String address;

    @Option(names = {"-c", "--config"}, defaultValue = "${env:INGRESS_CONFIG}",
            description = "The proxy's config file, read for its admin address (env INGRESS_CONFIG).")
    Path config;

    @Option(names = "--timeout", defaultValue = "2s", description = "Bound of the connect and of the answer (default: ${DEFAULT-VALUE}).")
    String timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            HostPort target = target(err);
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Durations.parse(timeout).toMillis()));
            String answer = get(target, ms);
            out.println(answer);
            out.flush();
            return answer.startsWith("200 ") ? 0 : 1;
        } catch (IOException | IllegalArgumentException e) {
            err.println("healthcheck: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    /**
     * The address to ask. A config that cannot be read falls back to the default with a warning
     * rather than failing: the running proxy keeps its last good config, and a typo in the file
     * must not get a serving container killed.
     */
    HostPort target(PrintWriter err) {
        if (address != null && !address.isBlank()) {
            return HostPort.parse(address, false);
        }
        if (config == null) {
            return DEFAULT_ADDRESS;
        }
        IngressConfig c;
        try {
            c = new ConfigParser().parse(config);
        } catch (ConfigException e) {
            ConfigError first = e.errors().get(0);
            err.println("healthcheck: " + config + " is not valid (" + first + "); asking " + DEFAULT_ADDRESS);
            return DEFAULT_ADDRESS;
        }
        if (c.admin() == null) {
            throw new IllegalArgumentException(config + " has no admin listener, so there is no /healthz to ask");
        }
        return local(c.admin().address());
    }

    /** A listener on every address is asked on loopback. */
    static HostPort local(HostPort bound) {
        return switch (bound.host()) {
            case "0.0.0.0", "::", "0:0:0:0:0:0:0:0" -> new HostPort("127.0.0.1", bound.port());
            default -> bound;
        };
    }

    /** "STATUS BODY" of one GET /healthz. */
    static String get(HostPort target, int timeoutMillis) throws IOException {
        String authority = (target.host().contains(":") ? "[" + target.host() + "]" : target.host()) + ":" + target.port();
        String where = "http://" + authority + "/healthz";
        long deadline = Ticker.systemTicker().nanoTime() + Duration.ofMillis(timeoutMillis).toNanos();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target.host(), target.port()), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: " + authority + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] response = readAll(s.getInputStream(), deadline);
            String text = new String(response, StandardCharsets.UTF_8);
            int lineEnd = text.indexOf("\r\n");
            String[] status = (lineEnd < 0 ? text : text.substring(0, lineEnd)).split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/")) {
                throw new IOException(where + ": not an HTTP response");
            }
            int bodyStart = text.indexOf("\r\n\r\n");
            String body = bodyStart < 0 ? "" : text.substring(bodyStart + 4).strip();
            return status[1] + " " + body;
        } catch (IOException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(where) ? e : new IOException(where + ": " + e, e);
        }
    }

    /** Reads to the end (the server closes after the answer), never more than 64 KiB, within the deadline. */
    private static byte[] readAll(InputStream in, long deadline) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int n = 0;
        while (n < buf.length) {
            if (Ticker.systemTicker().nanoTime() - deadline > 0) {
                throw new IOException("no complete answer in time");
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return java.util.Arrays.copyOf(buf, n);
    }
}
