package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class AdminConfigTest {
    private final ConfigParser parser = new ConfigParser(name -> Map.of("ADMIN_USERS", "/run/secrets/admin.htpasswd").get(name));

    @Test
    void anHtpasswdFileTurnsBasicAuthOn() {
        IngressConfig c = parser.parse("admin: {address: '127.0.0.1:9090', htpasswd: /etc/swarm-ingress/admin.htpasswd}\n",
                "a.yaml");
        assertThat(c.admin()).isEqualTo(new AdminConfig(new HostPort("127.0.0.1", 9090), null, "/etc/swarm-ingress/admin.htpasswd"));
    }

    @Test
    void anEmptyValueFromTheEnvironmentMeansNoAuth() {
        assertThat(parser.parse("admin: {address: '127.0.0.1:9090', htpasswd: '${NOT_SET:-}'}\n", "a.yaml").admin().htpasswd())
                .isNull();
        assertThat(parser.parse("admin: {address: '127.0.0.1:9090', htpasswd: '${ADMIN_USERS:-}'}\n", "a.yaml").admin()
                .htpasswd()).isEqualTo("/run/secrets/admin.htpasswd");
        assertThat(parser.parse("admin: {address: '127.0.0.1:9090'}\n", "a.yaml").admin().htpasswd()).isNull();
    }

    @Test
    void aMisspeltKeyIsAnErrorWithItsLine() {
        assertThatThrownBy(() -> parser.parse("admin:\n  address: '127.0.0.1:9090'\n  htpassword: /x\n", "a.yaml"))
                .hasMessageContaining("a.yaml:3: admin.htpassword");
    }

    @Test
    void probesAreASecondListenerForHealthAndMetricsOnly() {
        AdminConfig a = parser.parse("admin: {address: '127.0.0.1:9092', probes: '0.0.0.0:9090'}\n", "a.yaml").admin();
        assertThat(a.address()).isEqualTo(new HostPort("127.0.0.1", 9092));
        assertThat(a.probes()).isEqualTo(new HostPort("0.0.0.0", 9090));
        assertThat(parser.parse("admin: {address: '127.0.0.1:9090'}\n", "a.yaml").admin().probes()).isNull();
    }

    @Test
    void probesOnTheAdminPortAreAnErrorWithTheirLine() {
        assertThatThrownBy(() -> parser.parse("admin:\n  address: '127.0.0.1:9090'\n  probes: '0.0.0.0:9090'\n", "a.yaml"))
                .hasMessageContaining("a.yaml:")
                .hasMessageContaining("admin.probes")
                .hasMessageContaining("collide");
    }
}
