package io.swarmingress.proxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command-line clients the TLS tests talk to the proxy with (curl, openssl): real
 * implementations nobody here wrote. A tool that is missing is a failure: scripts/test.sh installs them.
 */
public final class Tools {
    private Tools() {
    }

    /** What a tool printed (stdout and stderr together) and how it exited. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs {@code command}, feeding {@code stdin}, for at most 30 s. */
    public static Result run(String stdin, String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        try {
            Process p = b.start();
            // Fed from another thread: a tool may exit before it read all of it (a server that
            // closed the connection), and its output must be read meanwhile either way.
            Thread feeder = new Thread(() -> {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // Broken pipe: the tool stopped reading; what it printed says why.
                }
            }, "stdin-" + cmd.get(0));
            feeder.start();
            byte[] out = p.getInputStream().readAllBytes();
            feeder.join(30_000);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in 30 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd.get(0) + " (scripts/test.sh installs it): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code openssl s_client} against 127.0.0.1:port, sending nothing and closing. */
    public static Result sClient(int port, String... options) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        cmd.addAll(List.of(options));
        return run("", cmd.toArray(new String[0]));
    }

    public static Result curl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20"));
        cmd.addAll(List.of(args));
        return run("", cmd.toArray(new String[0]));
    }
}
