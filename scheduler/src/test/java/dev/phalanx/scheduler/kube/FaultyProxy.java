package dev.phalanx.scheduler.kube;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback in front of the test API server, for fault tests: it can hold every chunk
 * back for a while (a slow API server or network) and cut every open connection at once (watch
 * streams dropped, as by a load balancer or an API server restart). TLS passes through untouched.
 */
final class FaultyProxy implements AutoCloseable {
    private final ServerSocket server;
    private volatile String targetHost;
    private volatile int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile long delayMillis;
    private volatile boolean refusing;

    FaultyProxy(URI target) throws IOException {
        this.targetHost = target.getHost();
        this.targetPort = target.getPort();
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "faulty-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    String url() {
        return "https://127.0.0.1:" + server.getLocalPort();
    }

    /** New connections go to {@code target} from now on (a server that came back elsewhere). */
    void retarget(URI target) {
        this.targetHost = target.getHost();
        this.targetPort = target.getPort();
    }

    /** Each chunk, either way, waits this long before it is passed on. */
    void delay(long millis) {
        this.delayMillis = millis;
    }

    /** While on, every connection is cut at once and new ones are closed as they come: the peer is gone. */
    void refuse(boolean on) {
        this.refusing = on;
        if (on) {
            dropAll();
        }
    }

    /** Cuts every connection open now; new ones are accepted as before. Returns how many were cut. */
    int dropAll() {
        int n = 0;
        for (Socket s : open) {
            try {
                s.close();
                n++;
            } catch (IOException ignored) {
                // already closed
            }
            open.remove(s);
        }
        return n;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (refusing) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    long d = delayMillis;
                    if (d > 0) {
                        Thread.sleep(d);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended or was cut
            } finally {
                close(from);
                close(to);
            }
        }, "faulty-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropAll();
    }
}
