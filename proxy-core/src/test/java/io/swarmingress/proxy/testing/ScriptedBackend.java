package io.swarmingress.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on a plain socket whose connections each follow a script, for failures a real server
 * has on a bad day: reset after reading a request, answer 502 or 503, close without a word. A
 * connection with no script left reads requests (head and Content-Length body) and answers each
 * with 200 {@code <name> <method> <body>}. Every request read is recorded.
 */
public final class ScriptedBackend implements AutoCloseable {
    /** What one connection does with the request it reads. */
    public enum Step {
        /** Reads the request, then resets the connection (RST: SO_LINGER 0). */
        RESET_AFTER_REQUEST,
        /** Reads the request, answers 502 and keeps going. */
        ANSWER_502,
        /** Reads the request, answers 503 and keeps going. */
        ANSWER_503
    }

    private final String name;
    private final ServerSocket server;
    private final Deque<Step> script = new ArrayDeque<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    private ScriptedBackend(String name) throws IOException {
        this.name = name;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread acceptor = new Thread(this::accept, "scripted-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static ScriptedBackend start(String name, Step... steps) throws IOException {
        ScriptedBackend b = new ScriptedBackend(name);
        synchronized (b.script) {
            b.script.addAll(List.of(steps));
        }
        return b;
    }

    public String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Requests read, as {@code METHOD path body}. */
    public List<String> requests() {
        return requests;
    }

    public int connections() {
        return connections.get();
    }

    private void accept() {
        try {
            while (true) {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "scripted-" + name + "-conn");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String request = read(in);
                if (request == null) {
                    return;
                }
                requests.add(request);
                Step step;
                synchronized (script) {
                    step = script.pollFirst();
                }
                if (step == Step.RESET_AFTER_REQUEST) {
                    s.setSoLinger(true, 0);
                    return;
                }
                int code = step == Step.ANSWER_502 ? 502 : step == Step.ANSWER_503 ? 503 : 200;
                byte[] body = (name + " " + request).getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 " + code + " X\r\ncontent-length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // the proxy went away
        }
    }

    /** @return {@code METHOD path body}, or null at the end of the connection */
    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            byte[] b = head.toByteArray();
            int n = b.length;
            if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                break;
            }
        }
        if (c < 0) {
            return null;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int length = 0;
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        String[] requestLine = lines[0].split(" ");
        return requestLine[0] + " " + requestLine[1] + " " + new String(body, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
