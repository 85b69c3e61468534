package io.swarmingress.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a program to its end, with stdout and stderr together, for tests that drive real tools. */
public final class Command {
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path directory;
    private final Duration timeout;
    private final byte[] input;

    private Command(List<String> command, Map<String, String> environment, Path directory, Duration timeout, byte[] input) {
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.directory = directory;
        this.timeout = timeout;
        this.input = input;
    }

    public static Command of(String... command) {
        return new Command(List.of(command), Map.of(), null, Duration.ofMinutes(2), null);
    }

    public static Command of(List<String> command) {
        return new Command(command, Map.of(), null, Duration.ofMinutes(2), null);
    }

    /** The result of a finished run. */
    public record Result(List<String> command, int exitCode, String output) {
        public Result check() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    public Command env(Map<String, String> more) {
        Map<String, String> all = new java.util.HashMap<>(environment);
        all.putAll(more);
        return new Command(command, all, directory, timeout, input);
    }

    public Command in(Path dir) {
        return new Command(command, environment, dir, timeout, input);
    }

    public Command timeout(Duration t) {
        return new Command(command, environment, directory, t, input);
    }

    public Command stdin(String text) {
        return new Command(command, environment, directory, timeout, text.getBytes(StandardCharsets.UTF_8));
    }

    public Result run() {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        pb.environment().putAll(environment);
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (var in = p.getOutputStream()) {
                if (input != null) {
                    in.write(input);
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command));
            }
            return new Result(command, p.exitValue(), new String(out.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + String.join(" ", command), e);
        }
    }

    /** Runs and fails on a non-zero exit; returns the output. */
    public String check() {
        return run().check().output();
    }
}
