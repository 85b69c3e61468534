package io.swarmingress.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** ClientHellos written by the JDK's TLS client (not by us), read whole, split, truncated and mangled. */
class ClientHelloTest {

    /** The first flight of a JDK client: one TLS record holding its ClientHello. */
    static byte[] jdkHello(String serverName, String[] protocols, String[] cipherSuites, String... alpn) throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, null, null);
        SSLEngine engine = ssl.createSSLEngine(serverName == null ? null : serverName, 443);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        if (serverName != null) {
            p.setServerNames(List.of(new SNIHostName(serverName)));
        }
        p.setProtocols(protocols);
        if (cipherSuites != null) {
            p.setCipherSuites(cipherSuites);
        }
        if (alpn.length > 0) {
            p.setApplicationProtocols(alpn);
        }
        engine.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    static byte[] jdkHello(String serverName) throws Exception {
        return jdkHello(serverName, new String[] {"TLSv1.3", "TLSv1.2"}, null, "h2", "http/1.1");
    }

    @Test
    void readsTheServerNameTheOfferedSchemesAndAlpn() throws Exception {
        ClientHello.Reading r = ClientHello.read(Unpooled.wrappedBuffer(jdkHello("Api.Example.COM")), HelloReader.MAX_HELLO);
        assertThat(r.status()).isEqualTo(ClientHello.Status.COMPLETE);
        assertThat(r.hello().serverName()).isEqualTo("api.example.com");
        assertThat(r.hello().offersEcdsa()).isTrue();
        assertThat(r.hello().offersTls13()).isTrue();
        assertThat(r.hello().alpn()).containsExactly("h2", "http/1.1");
    }

    @Test
    void aClientThatCannotVerifyEcdsaIsToldApart() throws Exception {
        // A TLS 1.2 client with RSA suites only (openssl -sigalgs covers TLS 1.3 in TlsTerminationTest).
        byte[] rsaOnly = jdkHello("a.test", new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
        assertThat(ClientHello.read(Unpooled.wrappedBuffer(rsaOnly), HelloReader.MAX_HELLO).hello().offersEcdsa()).isFalse();
        byte[] noName = jdkHello(null);
        assertThat(ClientHello.read(Unpooled.wrappedBuffer(noName), HelloReader.MAX_HELLO).hello().serverName()).isNull();
    }

    @Test
    void aHelloSplitOverRecordsAndReadsIsPutTogetherWithoutConsumingAByte() throws Exception {
        byte[] one = jdkHello("split.test");
        byte[] two = splitIntoTwoRecords(one, 40);
        ByteBuf in = Unpooled.buffer();
        for (int i = 0; i < two.length; i++) {
            in.writeByte(two[i]);
            ClientHello.Reading r = ClientHello.read(in, HelloReader.MAX_HELLO);
            if (i < two.length - 1) {
                assertThat(r.status()).as("after %d of %d bytes", i + 1, two.length).isEqualTo(ClientHello.Status.INCOMPLETE);
            } else {
                assertThat(r.status()).isEqualTo(ClientHello.Status.COMPLETE);
                assertThat(r.hello().serverName()).isEqualTo("split.test");
            }
        }
        assertThat(in.readerIndex()).isZero();
        in.release();
    }

    @Test
    void plaintextOversizedAndMangledHellosAreTold() throws Exception {
        assertThat(ClientHello.read(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n".getBytes()), HelloReader.MAX_HELLO).status())
                .isEqualTo(ClientHello.Status.NOT_TLS);
        assertThat(ClientHello.read(Unpooled.wrappedBuffer(new byte[] {'G'}), HelloReader.MAX_HELLO).status())
                .isEqualTo(ClientHello.Status.NOT_TLS);
        byte[] hello = jdkHello("a.test");
        assertThat(ClientHello.read(Unpooled.wrappedBuffer(hello), 100).status()).isEqualTo(ClientHello.Status.INVALID);
        byte[] mangled = hello.clone();
        mangled[5] = 2; // a ServerHello where the ClientHello should be
        assertThat(ClientHello.read(Unpooled.wrappedBuffer(mangled), HelloReader.MAX_HELLO).status()).isEqualTo(ClientHello.Status.INVALID);
        byte[] lying = hello.clone();
        // The handshake length claims less than the extensions that follow need.
        lying[8] = (byte) (lying[8] - 60);
        assertThat(ClientHello.read(Unpooled.wrappedBuffer(lying), HelloReader.MAX_HELLO).status()).isEqualTo(ClientHello.Status.INVALID);
    }

    /** The same handshake message, framed as two TLS records (the first carries {@code first} bytes of it). */
    static byte[] splitIntoTwoRecords(byte[] record, int first) {
        int length = record.length - 5;
        byte[] out = new byte[record.length + 5];
        out[0] = record[0];
        out[1] = record[1];
        out[2] = record[2];
        out[3] = (byte) (first >> 8);
        out[4] = (byte) first;
        System.arraycopy(record, 5, out, 5, first);
        int second = length - first;
        out[5 + first] = record[0];
        out[6 + first] = record[1];
        out[7 + first] = record[2];
        out[8 + first] = (byte) (second >> 8);
        out[9 + first] = (byte) second;
        System.arraycopy(record, 5 + first, out, 10 + first, second);
        return out;
    }
}
