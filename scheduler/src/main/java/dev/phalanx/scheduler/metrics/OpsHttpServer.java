package dev.phalanx.scheduler.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The scheduler's HTTP endpoints, on the JDK's own server: {@code /metrics} (Prometheus text format),
 * {@code /healthz} (liveness) and {@code /readyz} (readiness). A probe answers 200 with "ok", or 503 with
 * what is wrong.
 */
public final class OpsHttpServer implements AutoCloseable {
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    /** Null when healthy, else what is wrong, in words. */
    public interface Probe extends Supplier<String> {
    }

    private final HttpServer server;
    private final ExecutorService pool;

    /** Listens on {@code port} of every interface; port 0 picks a free one (see {@link #port()}). */
    public OpsHttpServer(int port, PrometheusMeterRegistry registry, Probe health, Probe readiness) throws IOException {
        server = HttpServer.create(new InetSocketAddress(port), 16);
        pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "phalanx-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/metrics", ex -> {
            if (allowed(ex)) {
                send(ex, 200, TEXT_FORMAT, registry.scrape());
            }
        });
        server.createContext("/healthz", ex -> probe(ex, health));
        server.createContext("/readyz", ex -> probe(ex, readiness));
        server.createContext("/", ex -> send(ex, 404, "text/plain; charset=utf-8", "not found; try /metrics, /healthz, /readyz\n"));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void probe(HttpExchange ex, Probe probe) throws IOException {
        if (!allowed(ex)) {
            return;
        }
        String problem;
        try {
            problem = probe.get();
        } catch (RuntimeException e) {
            problem = "probe failed: " + e;
        }
        if (problem == null) {
            send(ex, 200, "text/plain; charset=utf-8", "ok\n");
        } else {
            send(ex, 503, "text/plain; charset=utf-8", problem + "\n");
        }
    }

    private static boolean allowed(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if ("GET".equals(m) || "HEAD".equals(m)) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return false;
    }

    private static void send(HttpExchange ex, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
