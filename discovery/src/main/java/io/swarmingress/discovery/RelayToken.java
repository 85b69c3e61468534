package io.swarmingress.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

import io.swarmingress.config.SwarmRelay;

/**
 * The shared secret of a relay, read from {@code relay.token_file} (a Swarm secret, say): a relay
 * with one answers only requests that carry it as {@code Authorization: Bearer <token>}, and a
 * follower sends it. Both ends read it here, so they agree on what the file means: its content
 * without surrounding white space (a trailing newline is not part of the secret).
 */
public final class RelayToken {
    private RelayToken() {
    }

    /**
     * The token, or null when the relay has no token file.
     *
     * @throws IllegalStateException when the file cannot be read or is empty: a relay meant to be
     *                               protected must not silently run unprotected
     */
    public static String read(SwarmRelay relay) {
        if (relay.tokenFile() == null) {
            return null;
        }
        String token;
        try {
            token = Files.readString(Path.of(relay.tokenFile()), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException("swarm.relay.token_file: cannot read " + relay.tokenFile() + ": " + e, e);
        }
        if (token.isEmpty()) {
            throw new IllegalStateException("swarm.relay.token_file: " + relay.tokenFile() + " is empty");
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalStateException("swarm.relay.token_file: " + relay.tokenFile()
                    + " holds characters a header cannot carry (expected: printable ASCII without spaces)");
        }
        return token;
    }

    /** The header value a follower sends. */
    static String header(String token) {
        return "Bearer " + token;
    }

    /**
     * Whether an {@code Authorization} header carries the token; compared in constant time, so
     * that the time of a refusal tells nothing about the token.
     */
    public static boolean accepts(String token, String authorization) {
        if (token == null) {
            return true;
        }
        byte[] expected = header(token).getBytes(StandardCharsets.US_ASCII);
        byte[] given = (authorization == null ? "" : authorization.strip()).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }
}
