package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TlsConfigParserTest {
    private final ConfigParser parser = new ConfigParser(name -> Map.of("CERTS", "/run/secrets").get(name));

    @Test
    void parsesTlsRedirectHstsAndPassthrough() {
        String text = String.join("\n",
                "entrypoints:",
                "  - name: web",
                "    address: 0.0.0.0:80",
                "    https_redirect: websecure",
                "  - name: websecure",
                "    address: 0.0.0.0:443",
                "    tls:",
                "      certificates:",
                "        - {cert: '${CERTS}/site.crt', key: '${CERTS}/site.key'}",
                "        - {cert: certs/other.crt, key: certs/other.key, default: true, ocsp_response: certs/other.ocsp}",
                "      protocols: [TLSv1.3]",
                "      ciphers: [TLS_AES_128_GCM_SHA256]",
                "      session_tickets: false",
                "      session_cache_size: 100",
                "      session_timeout: 1h",
                "      client_auth: {mode: optional, ca: ca.pem, subject_header: X-Client-DN}",
                "  - name: pass",
                "    address: 0.0.0.0:8443",
                "    protocol: tcp",
                "    tls_passthrough: true",
                "routes:",
                "  - {entrypoint: websecure, service: api, hsts: 'max-age=31536000; includeSubDomains; preload'}",
                "  - {entrypoint: pass, host: '*.db.example.com', service: api}",
                "services:",
                "  - {name: api, endpoints: ['10.0.0.1:80']}",
                "");
        IngressConfig c = parser.parse(text, "/etc/ingress/ingress.yaml");
        assertThat(c.entrypoint("web").httpsRedirect()).isEqualTo("websecure");
        TlsConfig tls = c.entrypoint("websecure").tls();
        assertThat(tls.certificates()).extracting(TlsCertificate::certFile)
                .containsExactly("/run/secrets/site.crt", Path.of("/etc/ingress/certs/other.crt").toString());
        assertThat(tls.defaultCertificate().keyFile()).isEqualTo("/etc/ingress/certs/other.key");
        assertThat(tls.certificates()).extracting(TlsCertificate::ocspResponseFile)
                .containsExactly(null, Path.of("/etc/ingress/certs/other.ocsp").toString());
        assertThat(tls.protocols()).containsExactly("TLSv1.3");
        assertThat(tls.ciphers()).containsExactly("TLS_AES_128_GCM_SHA256");
        assertThat(tls.sessionTickets()).isFalse();
        assertThat(tls.sessionCacheSize()).isEqualTo(100);
        assertThat(tls.sessionTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(tls.clientAuth()).isEqualTo(new TlsConfig.ClientAuth(TlsConfig.ClientAuthMode.OPTIONAL, "/etc/ingress/ca.pem",
                "x-client-dn"));
        assertThat(tls.certificates().get(1).location().line()).isEqualTo(10);
        assertThat(c.entrypoint("pass").tlsPassthrough()).isTrue();
        assertThat(c.entrypoint("pass").service()).isNull();
        assertThat(c.routes().get(0).hsts()).isEqualTo("max-age=31536000; includeSubDomains; preload");
    }

    @Test
    void defaultsAreModern() {
        IngressConfig c = parser.parse(String.join("\n",
                "entrypoints:",
                "  - name: websecure",
                "    address: 0.0.0.0:443",
                "    tls: {certificates: [{cert: a.crt, key: a.key}]}", ""), "d.yaml");
        TlsConfig tls = c.entrypoint("websecure").tls();
        assertThat(tls.protocols()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(tls.ciphers()).isEqualTo(TlsConfig.DEFAULT_CIPHERS).allMatch(s -> s.contains("GCM") || s.contains("CHACHA20"));
        assertThat(tls.sessionTickets()).isTrue();
        assertThat(tls.sniStrict()).isFalse();
        assertThat(tls.clientAuth()).isNull();
        assertThat(c.entrypoint("websecure").terminatesTls()).isTrue();
    }

    @Test
    void everyTlsErrorNamesFileLineAndField() {
        String text = String.join("\n",
                "entrypoints:",                                                    // 1
                "  - name: web",                                                   // 2
                "    address: 0.0.0.0:80",                                         // 3
                "    https_redirect: nowhere",                                     // 4
                "  - name: websecure",                                             // 5
                "    address: 0.0.0.0:443",                                        // 6
                "    tls:",                                                        // 7
                "      certificates:",                                             // 8
                "        - {cert: a.crt}",                                         // 9 no key
                "        - {cert: b.crt, key: b.key, default: yes}",               // 10 not a bool
                "      protocols: [TLSv1.1]",                                      // 11
                "      session_timeout: 30d",                                      // 12
                "      client_auth: {mode: sometimes, ca: ca.pem}",                // 13
                "      colour: blue",                                              // 14
                "  - name: plain",                                                 // 15
                "    address: 0.0.0.0:81",                                         // 16
                "  - name: pass",                                                  // 17
                "    address: 0.0.0.0:8443",                                       // 18
                "    tls_passthrough: true",                                       // 19 not tcp
                "  - name: both",                                                  // 20
                "    address: 0.0.0.0:8444",                                       // 21
                "    protocol: tcp",                                               // 22
                "    tls_passthrough: true",                                       // 23
                "    tls: {certificates: [{cert: a.crt, key: a.key}]}",            // 24
                "  - name: tcppass",                                               // 25
                "    address: 0.0.0.0:8445",                                       // 26
                "    protocol: tcp",                                               // 27
                "    tls_passthrough: true",                                       // 28
                "routes:",                                                         // 29
                "  - {entrypoint: plain, service: s, hsts: 'max-age=60'}",         // 30
                "  - {entrypoint: tcppass, path_prefix: /x, service: s}",          // 31
                "  - {entrypoint: plain, service: s, hsts: 'forever'}",            // 32
                "services: [{name: s, endpoints: ['10.0.0.1:80']}]",               // 33
                "");
        assertThatThrownBy(() -> parser.parse(text, "bad.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .contains(
                                "bad.yaml:9: entrypoints[1].tls.certificates[0].key: is required (a PEM file: the private key of the certificate)",
                                "bad.yaml:10: entrypoints[1].tls.certificates[1].default: 'yes' (expected: true or false)",
                                "bad.yaml:12: entrypoints[1].tls.session_timeout: '30d' has the unit 'd' (expected: ms, s, m or h)",
                                "bad.yaml:13: entrypoints[1].tls.client_auth.mode: 'sometimes' (expected: required or optional)",
                                "bad.yaml:14: entrypoints[1].tls.colour: is not a known option",
                                "bad.yaml:19: entrypoints[3].tls_passthrough: is only for tcp entrypoints",
                                "bad.yaml:23: entrypoints[4].tls_passthrough: passes TLS through untouched, so it cannot also "
                                        + "terminate it (tls:)",
                                "bad.yaml:32: routes[2].hsts: 'forever' (expected: max-age=SECONDS, then optionally "
                                        + "'; includeSubDomains' and '; preload', e.g. max-age=31536000; includeSubDomains)"));
        String valid = String.join("\n",
                "entrypoints:",
                "  - {name: web, address: '0.0.0.0:80', https_redirect: plain}",
                "  - {name: plain, address: '0.0.0.0:81'}",
                "  - name: secure",
                "    address: 0.0.0.0:443",
                "    tls: {protocols: [TLSv1.1], certificates: [{cert: a.crt, key: a.key}]}",
                "  - {name: tcppass, address: '0.0.0.0:8445', protocol: tcp, tls_passthrough: true}",
                "routes:",
                "  - {entrypoint: plain, service: s, hsts: 'max-age=60'}",
                "  - {entrypoint: tcppass, path_prefix: /x, service: s}",
                "services: [{name: s, endpoints: ['10.0.0.1:80']}]", "");
        assertThatThrownBy(() -> parser.parse(valid, "x.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .contains(
                                "x.yaml:6: entrypoints[2].tls.protocols: 'TLSv1.1' (expected: TLSv1.2, TLSv1.3)"));
        String crossRecord = valid.replace("protocols: [TLSv1.1], ", "");
        assertThatThrownBy(() -> parser.parse(crossRecord, "x.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .containsExactlyInAnyOrder(
                                "x.yaml:2: entrypoints[0].https_redirect: 'plain' is not a declared http entrypoint with tls:",
                                "x.yaml:9: routes[0].hsts: entrypoint 'plain' does not terminate TLS (browsers ignore HSTS over plain HTTP)",
                                "x.yaml:10: routes[1].path_prefix: entrypoint 'tcppass' passes TLS through: its routes match the "
                                        + "server name (host) only"));
    }

    @Test
    void alpnOffersH2AndHttp11ByDefaultAndHttp2CanBeTurnedOff() {
        String text = String.join("\n",
                "entrypoints:",
                "  - name: web",
                "    address: 0.0.0.0:80",
                "  - name: websecure",
                "    address: 0.0.0.0:443",
                "    tls: {certificates: [{cert: a.crt, key: a.key}]}",
                "  - name: legacy",
                "    address: 0.0.0.0:8443",
                "    tls: {certificates: [{cert: a.crt, key: a.key}], alpn: [http/1.1]}",
                "routes: [{entrypoint: web, service: s}]",
                "services: [{name: s, endpoints: ['10.0.0.1:80']}]", "");
        IngressConfig c = parser.parse(text, "x.yaml");
        assertThat(c.entrypoint("websecure").tls().alpn()).containsExactly("h2", "http/1.1");
        assertThat(c.entrypoint("websecure").http2()).isTrue();
        assertThat(c.entrypoint("web").http2()).as("h2c on plaintext").isTrue();
        assertThat(c.entrypoint("legacy").tls().alpn()).containsExactly("http/1.1");
        assertThat(c.entrypoint("legacy").http2()).isFalse();

        String bad = String.join("\n",
                "entrypoints:",
                "  - name: a",
                "    address: 0.0.0.0:443",
                "    tls: {certificates: [{cert: a.crt, key: a.key}], alpn: [h2]}",
                "  - name: b",
                "    address: 0.0.0.0:444",
                "    tls: {certificates: [{cert: a.crt, key: a.key}], alpn: [http/1.1, spdy/3]}",
                "  - name: c",
                "    address: 0.0.0.0:445",
                "    tls: {certificates: [{cert: a.crt, key: a.key}], alpn: []}",
                "  - name: d",
                "    address: 0.0.0.0:446",
                "    protocol: tcp",
                "    service: s",
                "    tls: {certificates: [{cert: a.crt, key: a.key}], alpn: [http/1.1]}",
                "routes: [{entrypoint: a, service: s}]",
                "services: [{name: s, endpoints: ['10.0.0.1:80']}]", "");
        assertThatThrownBy(() -> parser.parse(bad, "x.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .containsExactlyInAnyOrder(
                                "x.yaml:4: entrypoints[0].tls.alpn: [h2] leaves out http/1.1, which is always served (a client "
                                        + "without ALPN speaks it); [h2, http/1.1] or [http/1.1]",
                                "x.yaml:7: entrypoints[1].tls.alpn: 'spdy/3' (expected: h2, http/1.1)",
                                "x.yaml:10: entrypoints[2].tls.alpn: is empty (expected: [h2, http/1.1], or [http/1.1] to turn "
                                        + "HTTP/2 off)",
                                "x.yaml:15: entrypoints[3].tls: alpn: is only for http entrypoints (a tcp entrypoint offers no ALPN)"));
    }

    @Test
    void recordsRefuseContradictionsWhenBuiltInCode() {
        assertThatThrownBy(() -> new TlsConfig(List.of(), null, null, false, true, 1, null, null, null, null))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("at least one");
        TlsCertificate a = TlsCertificate.of("a.crt", "a.key");
        TlsCertificate b = new TlsCertificate("b.crt", "b.key", true, null, null);
        assertThatThrownBy(() -> new TlsConfig(List.of(a, b), null, null, true, true, 1, null, null, null, null))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("sni_strict"));
        assertThatThrownBy(() -> new TlsConfig.ClientAuth(TlsConfig.ClientAuthMode.REQUIRED, "ca.pem", "X-Forwarded-For"))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("subject_header"));
        assertThat(TlsConfig.of(List.of(a)).defaultCertificate()).isEqualTo(a);
    }
}
