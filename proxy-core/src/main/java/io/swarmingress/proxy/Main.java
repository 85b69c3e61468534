package io.swarmingress.proxy;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.proxy.demo.DemoBackend;
import io.swarmingress.proxy.demo.SelfSigned;
import io.swarmingress.proxy.tls.CertificateCheck;
import io.swarmingress.proxy.server.Transport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line: run the proxy, check a config, or run the quickstart demo. */
@Command(name = "swarm-ingress", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "The front door for traffic into a Docker Swarm cluster.",
        subcommands = {Main.Check.class, Main.Demo.class, HealthcheckCommand.class})
public final class Main implements Callable<Integer> {
    static {
        // Names are looked up again after a second, and a failed lookup is not remembered: the
        // relays a proxy on a worker follows are tasks.<alias> in Docker's DNS, whose answer changes
        // as manager proxies come and go, where the JDK would keep an answer 30 s and a failure 10 s.
        // Before anything else: the JDK reads these once, at its first lookup. (Endpoints are
        // resolved when a table is built, never per request, so this costs the data path nothing.)
        java.security.Security.setProperty("networkaddress.cache.ttl", "1");
        java.security.Security.setProperty("networkaddress.cache.negative.ttl", "0");
    }

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Option(names = {"-c", "--config"}, defaultValue = "${env:INGRESS_CONFIG}",
            description = "The YAML config file (watched and reloaded on change; env INGRESS_CONFIG).")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        RuntimeDefaults.apply(System.getProperties());
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() {
        if (config == null) {
            spec.commandLine().getErr().println("Missing required option: '--config=<config>' (or env INGRESS_CONFIG)");
            spec.commandLine().usage(spec.commandLine().getErr());
            return 2;
        }
        return run(config, List.of());
    }

    /** Runs until SIGTERM or SIGINT, then shuts down gracefully and returns 0. */
    static int run(Path file, List<AutoCloseable> alsoClose) {
        Ingress ingress;
        try {
            ingress = Ingress.start(file, Transport.best());
        } catch (ConfigException e) {
            System.err.println("invalid config:");
            for (ConfigError error : e.errors()) {
                System.err.println("  " + error);
            }
            return 2;
        } catch (IllegalStateException e) {
            System.err.println("cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        log.info("swarm-ingress {} started with {}", Version.text(), file);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("stopping: {}no new connections, in-flight requests get up to {} ms",
                ingress.config().shutdownDelay().isZero() ? ""
                        : "/healthz says draining for " + ingress.config().shutdownDelay().toMillis() + " ms, then ",
                ingress.config().shutdownGrace().toMillis());
        ingress.shutdown();
        for (AutoCloseable c : alsoClose) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("closing {} failed", c, e);
            }
        }
        log.info("stopped");
        return 0;
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validates a config file and prints every error with file, line and field.")
    static final class Check implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, description = "The YAML config file.")
        Path config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                IngressConfig c = new ConfigParser().parse(config);
                CertificateCheck.Report tls = CertificateCheck.check(c, Clock.systemUTC().instant());
                if (!tls.errors().isEmpty()) {
                    throw new ConfigException(tls.errors());
                }
                for (String line : tls.served()) {
                    out.println("  tls " + line);
                }
                for (String warning : tls.warnings()) {
                    err.println("  warning: " + warning);
                }
                err.flush();
                out.printf("%s: OK (%d entrypoints, %d routes, %d services)%n", config, c.entrypoints().size(),
                        c.routes().size(), c.services().size());
                out.flush();
                return 0;
            } catch (ConfigException e) {
                err.printf("%s: %d error%s%n", config, e.errors().size(), e.errors().size() == 1 ? "" : "s");
                for (ConfigError error : e.errors()) {
                    err.println("  " + error);
                }
                err.flush();
                return 1;
            }
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Starts a demo backend on every loopback endpoint of the config, then the proxy.")
    static final class Demo implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, defaultValue = "examples/quickstart.yaml", description = "The YAML config file.")
        Path config;

        @Override
        public Integer call() {
            IngressConfig c;
            try {
                c = new ConfigParser().parse(config);
            } catch (ConfigException e) {
                System.err.println("invalid config:\n  " + e.getMessage().replace("\n", "\n  "));
                return 2;
            }
            try {
                for (Path written : SelfSigned.writeMissing(c, Clock.systemUTC().instant())) {
                    log.info("demo: generated a self-signed certificate for localhost and *.demo.local: {}", written);
                }
            } catch (IOException e) {
                System.err.println("cannot write the demo's certificate: " + e);
                return 1;
            }
            Set<Integer> ownPorts = new HashSet<>();
            for (EntrypointConfig e : c.entrypoints()) {
                ownPorts.add(e.address().port());
            }
            Set<HostPort> loopback = new LinkedHashSet<>();
            for (ServiceConfig s : c.services()) {
                for (HostPort e : s.endpoints()) {
                    // An endpoint on one of the proxy's own ports is the proxy (the TLS quickstart's passthrough goes to it).
                    if ((e.host().equals("127.0.0.1") || e.host().equals("localhost")) && !ownPorts.contains(e.port())) {
                        loopback.add(e);
                    }
                }
            }
            List<AutoCloseable> backends = new ArrayList<>();
            int n = 1;
            for (HostPort e : loopback) {
                String name = "backend " + n++;
                DemoBackend b = DemoBackend.start(name, new InetSocketAddress(e.host(), e.port()), Transport.nio());
                log.info("demo {} listening on {}", name, b.address());
                backends.add(b);
            }
            return run(config, backends);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        static String text() {
            String v = Main.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }

        @Override
        public String[] getVersion() {
            io.netty.util.Version netty = io.netty.util.Version.identify().get("netty-common");
            return new String[] {"swarm-ingress " + text(), "netty " + (netty == null ? "unknown" : netty.artifactVersion())
                    + ", java " + System.getProperty("java.version")};
        }
    }
}
