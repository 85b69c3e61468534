package io.swarmingress.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SecretsTest {
    @Test
    void valuesOfCredentialLikeNamesAreMaskedTheNamesStay() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("ingress.enable", "true");
        labels.put("ingress.http.host", "shop.example.com");
        labels.put("com.example.DB_PASSWORD", "hunter2");
        labels.put("api-token", "t0k3n");
        labels.put("aws.secret_access_key", "AKIA...");
        labels.put("authorization", "Bearer abc");
        labels.put("x-api-key", "k");
        labels.put("session.cookie", "c");
        labels.put("owner", "team-a");
        assertThat(Secrets.masked(labels)).containsExactly(
                Map.entry("ingress.enable", "true"),
                Map.entry("ingress.http.host", "shop.example.com"),
                Map.entry("com.example.DB_PASSWORD", Secrets.MASK),
                Map.entry("api-token", Secrets.MASK),
                Map.entry("aws.secret_access_key", Secrets.MASK),
                Map.entry("authorization", Secrets.MASK),
                Map.entry("x-api-key", Secrets.MASK),
                Map.entry("session.cookie", Secrets.MASK),
                Map.entry("owner", "team-a"));
    }

    @Test
    void userInfoInADockerEndpointIsMasked() {
        assertThat(Secrets.withoutUserInfo("tcp://me:pw@10.0.0.1:2376")).isEqualTo("tcp://" + Secrets.MASK + "@10.0.0.1:2376");
        assertThat(Secrets.withoutUserInfo("tcp://10.0.0.1:2376")).isEqualTo("tcp://10.0.0.1:2376");
        assertThat(Secrets.withoutUserInfo("unix:///var/run/docker.sock")).isEqualTo("unix:///var/run/docker.sock");
        assertThat(Secrets.withoutUserInfo("unix:///tmp/a@b/docker.sock")).isEqualTo("unix:///tmp/a@b/docker.sock");
    }
}
