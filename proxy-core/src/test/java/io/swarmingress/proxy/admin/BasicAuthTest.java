package io.swarmingress.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.ConfigException;

/**
 * Basic auth against {@code users.htpasswd}, a file made by Apache's own {@code htpasswd -B}
 * (its first line says how), so the hashes are the real tool's, not ours.
 */
class BasicAuthTest {
    @TempDir
    Path dir;

    private static Path users() throws URISyntaxException {
        return Path.of(BasicAuthTest.class.getResource("/admin/users.htpasswd").toURI());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theRightPasswordOfEachUserPassesAndNothingElse() throws Exception {
        try (BasicAuth auth = BasicAuth.load(users())) {
            assertThat(auth.check(basic("admin", "correct horse"))).isTrue();
            assertThat(auth.check(basic("ops", "battery staple"))).isTrue();
            assertThat(auth.check(basic("admin", "battery staple"))).as("another user's password").isFalse();
            assertThat(auth.check(basic("admin", "correct horse "))).isFalse();
            assertThat(auth.check(basic("nobody", "correct horse"))).as("unknown user").isFalse();
            assertThat(auth.check(basic("admin", "correct horse").toLowerCase())).as("garbage").isFalse();
            assertThat(auth.check("Bearer abc")).isFalse();
            assertThat(auth.check("Basic !!!")).isFalse();
            assertThat(auth.check("Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8))))
                    .isFalse();
            assertThat(auth.check(basic("admin", "x".repeat(100)))).as("longer than bcrypt's 72 bytes").isFalse();
            assertThat(auth.check(null)).isFalse();
        }
    }

    @Test
    void aHeaderThatPassedIsRememberedOneThatFailedIsNot() throws Exception {
        try (BasicAuth auth = BasicAuth.load(users())) {
            String good = basic("admin", "correct horse");
            String bad = basic("admin", "wrong");
            assertThat(auth.passedBefore(good)).isFalse();
            assertThat(auth.verify(good).get(10, TimeUnit.SECONDS)).isEqualTo(BasicAuth.Verdict.ALLOWED);
            assertThat(auth.passedBefore(good)).isTrue();
            assertThat(auth.verify(bad).get(10, TimeUnit.SECONDS)).isEqualTo(BasicAuth.Verdict.DENIED);
            assertThat(auth.passedBefore(bad)).isFalse();
            assertThat(auth.passedBefore(null)).isFalse();
        }
    }

    @Test
    void onlyBcryptEntriesAreAcceptedAndTheErrorNamesTheLine() throws Exception {
        Path md5 = dir.resolve("md5.htpasswd");
        Files.writeString(md5, "# users\n\nadmin:$apr1$k2CObnCr$7yaO5JxJ6zrmlEUoIhQb70\n");
        assertThatThrownBy(() -> BasicAuth.load(md5)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(md5 + ":3: admin.htpasswd: expected user:bcrypt-hash");
        Path empty = dir.resolve("empty.htpasswd");
        Files.writeString(empty, "# nobody yet\n");
        assertThatThrownBy(() -> BasicAuth.load(empty)).hasMessageContaining("no user in the file");
        assertThatThrownBy(() -> BasicAuth.load(dir.resolve("missing"))).hasMessageContaining("cannot read");
    }
}
