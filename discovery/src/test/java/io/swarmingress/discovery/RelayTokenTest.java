package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.SwarmRelay;

/** What a token file means to both ends of the relay, and what a relay accepts. */
class RelayTokenTest {
    @TempDir
    Path dir;

    private SwarmRelay withFile(String content) throws Exception {
        Path f = dir.resolve("token");
        Files.writeString(f, content);
        return new SwarmRelay(null, List.of(), f.toString());
    }

    @Test
    void theSecretIsTheFileWithoutSurroundingWhiteSpace() throws Exception {
        assertThat(RelayToken.read(withFile("s3cret\n"))).isEqualTo("s3cret");
        assertThat(RelayToken.read(withFile("  s3cret\r\n\n"))).isEqualTo("s3cret");
        assertThat(RelayToken.read(SwarmRelay.NONE)).as("no token file, no token").isNull();
    }

    @Test
    void aMissingEmptyOrUnsendableFileStopsTheProxyInsteadOfRunningUnprotected() throws Exception {
        assertThatThrownBy(() -> RelayToken.read(new SwarmRelay(null, List.of(), dir.resolve("absent").toString())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot read");
        assertThatThrownBy(() -> RelayToken.read(withFile(" \n"))).hasMessageContaining("is empty");
        assertThatThrownBy(() -> RelayToken.read(withFile("two words"))).hasMessageContaining("printable ASCII");
        assertThatThrownBy(() -> RelayToken.read(withFile("clé"))).hasMessageContaining("printable ASCII");
    }

    @Test
    void aRelayAcceptsExactlyTheBearerToken() {
        assertThat(RelayToken.accepts("s3cret", "Bearer s3cret")).isTrue();
        assertThat(RelayToken.accepts("s3cret", " Bearer s3cret ")).as("surrounding white space of the header").isTrue();
        assertThat(RelayToken.accepts("s3cret", "Bearer s3cre")).isFalse();
        assertThat(RelayToken.accepts("s3cret", "Bearer s3cret2")).isFalse();
        assertThat(RelayToken.accepts("s3cret", "Basic s3cret")).isFalse();
        assertThat(RelayToken.accepts("s3cret", "s3cret")).isFalse();
        assertThat(RelayToken.accepts("s3cret", null)).as("no header").isFalse();
        assertThat(RelayToken.accepts(null, null)).as("a relay without a token accepts everyone").isTrue();
        assertThat(RelayToken.accepts(null, "Bearer anything")).isTrue();
    }

    @Test
    void aFollowerSendsTheTokenTheRelayAccepts() throws Exception {
        String token = RelayToken.read(withFile("s3cret\n"));
        assertThat(RelayToken.accepts(token, RelayToken.header(token))).isTrue();
    }
}
