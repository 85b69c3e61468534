package io.swarmingress.proxy.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;

/**
 * HTTP basic auth against an htpasswd file of bcrypt entries ({@code htpasswd -B}: {@code $2y$},
 * also {@code $2a$} and {@code $2b$}). Verification is BouncyCastle's {@link OpenBSDBCrypt}, which
 * docker-java already brings onto the classpath: no hand-written cryptography.
 *
 * <p>A bcrypt check costs tens of milliseconds on purpose, so it never runs on the admin event
 * loop (where {@code /healthz} must stay quick for load balancers): it runs on one thread of its
 * own, behind a short queue; when that is full the request is refused (429) rather than queued
 * without bound. A header that passed once is remembered (by its SHA-256, at most
 * {@value #REMEMBERED}), so a dashboard polling every second costs one check, not one a second.
 * An unknown user costs a check too (against a decoy hash), so timing does not tell which users exist.
 * The file is read once, when the admin listener starts.
 */
final class BasicAuth implements AutoCloseable {
    static final String REALM = "swarm-ingress admin";
    static final int REMEMBERED = 64;
    private static final int QUEUE = 16;

    /** What a request's credentials came to. */
    enum Verdict { ALLOWED, DENIED, BUSY }

    private final Map<String, String> users;
    /** The bcrypt of a random password nobody knows, at the file's cost: what an unknown user is checked against. */
    private final String decoy;
    private final ThreadPoolExecutor verifier;
    private final Map<String, Boolean> passed = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    private BasicAuth(Map<String, String> users) {
        this.users = Map.copyOf(users);
        int cost = Integer.parseInt(users.values().iterator().next().substring(4, 6));
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        byte[] secret = new byte[32];
        random.nextBytes(salt);
        random.nextBytes(secret);
        this.decoy = OpenBSDBCrypt.generate(Base64.getEncoder().encodeToString(secret).toCharArray(), salt, cost);
        this.verifier = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "ingress-admin-auth");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @throws ConfigException when the file cannot be read, has no user, or has an entry that is
     *                         not bcrypt (the error names the file and the line)
     */
    static BasicAuth load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw error(file, 0, "cannot read: " + e);
        }
        Map<String, String> users = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String hash = colon < 0 ? "" : line.substring(colon + 1);
            if (colon <= 0 || !(hash.startsWith("$2y$") || hash.startsWith("$2a$") || hash.startsWith("$2b$"))
                    || hash.length() != 60 || !Character.isDigit(hash.charAt(4)) || !Character.isDigit(hash.charAt(5))) {
                throw error(file, i + 1, "expected user:bcrypt-hash (make one with htpasswd -B); MD5, SHA-1 and crypt "
                        + "entries are not accepted");
            }
            users.put(line.substring(0, colon), hash);
        }
        if (users.isEmpty()) {
            throw error(file, 0, "no user in the file");
        }
        return new BasicAuth(users);
    }

    private static ConfigException error(Path file, int line, String message) {
        return new ConfigException(List.of(new ConfigError(file.toString(), line, "admin.htpasswd", message)));
    }

    /** Whether this exact Authorization header passed before: then no check is needed. */
    boolean passedBefore(String authorization) {
        if (authorization == null) {
            return false;
        }
        String key = digest(authorization);
        synchronized (passed) {
            return passed.get(key) != null;
        }
    }

    /** Checks the header on the verifier thread; completes with the verdict (BUSY when the queue is full). */
    CompletableFuture<Verdict> verify(String authorization) {
        CompletableFuture<Verdict> verdict = new CompletableFuture<>();
        try {
            verifier.execute(() -> verdict.complete(check(authorization) ? Verdict.ALLOWED : Verdict.DENIED));
        } catch (RejectedExecutionException e) {
            verdict.complete(Verdict.BUSY);
        }
        return verdict;
    }

    /** The check itself, blocking: tens of milliseconds. */
    boolean check(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String hash = users.get(decoded.substring(0, colon));
        char[] password = decoded.substring(colon + 1).toCharArray();
        boolean ok;
        try {
            ok = OpenBSDBCrypt.checkPassword(hash == null ? decoy : hash, password) && hash != null;
        } catch (RuntimeException e) {
            ok = false; // e.g. a password longer than bcrypt's 72 bytes
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
        if (ok) {
            synchronized (passed) {
                passed.put(digest(authorization), Boolean.TRUE);
            }
        }
        return ok;
    }

    private static String digest(String header) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(header.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public void close() {
        verifier.shutdownNow();
    }
}
