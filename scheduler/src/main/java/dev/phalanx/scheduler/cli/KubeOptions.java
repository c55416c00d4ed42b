package dev.phalanx.scheduler.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine.Option;

import java.io.File;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * How a command finds its cluster, as kubectl does: {@code --kubeconfig}, else {@code $KUBECONFIG} (a list of
 * files, merged), else {@code ~/.kube/config}, else the in-cluster service account; {@code --context} picks a
 * context other than the current one. kubectl passes these flags to a plugin as the user typed them, so
 * {@code kubectl phalanx ...} honours them too. A server that cannot be reached, or that refuses the
 * credentials, is named with the reason, before anything else is tried.
 */
public final class KubeOptions {
    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "kubeconfig file; default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", description = "kubeconfig context to use; default: its current context")
    String context;

    /** The client configuration these options name. */
    public Config config() {
        if (kubeconfig != null) {
            if (!Files.isReadable(kubeconfig)) {
                throw new CliException(CliException.USAGE, "--kubeconfig " + kubeconfig + ": no such readable file");
            }
            try {
                return Config.fromKubeconfig(context, kubeconfig.toFile());
            } catch (RuntimeException e) {
                throw new CliException(CliException.USAGE, "--kubeconfig " + kubeconfig + ": " + message(e), e);
            }
        }
        try {
            return Config.autoConfigure(context);
        } catch (RuntimeException e) {
            throw new CliException(CliException.USAGE, "cannot read the kubeconfig: " + message(e), e);
        }
    }

    /** A client for the cluster, once the API server has answered; else a {@link CliException} saying why not. */
    public KubernetesClient connect() {
        Config config = config();
        if (context != null && config.getCurrentContext() != null && !context.equals(config.getCurrentContext().getName())) {
            throw new CliException(CliException.USAGE, "--context " + context + ": no such context in " + source(config));
        }
        probe(config, source(config));
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Where the configuration came from, for messages. */
    String source(Config config) {
        if (kubeconfig != null) {
            return "--kubeconfig " + kubeconfig;
        }
        File file = config == null ? null : config.getFile();
        if (file != null) {
            String env = System.getenv("KUBECONFIG");
            return (env != null && !env.isBlank() ? "$KUBECONFIG " : "") + file;
        }
        return "the in-cluster service account";
    }

    /**
     * Asks the API server for its version, without the client's retries, so that a server that is not there is
     * reported at once, by address and reason.
     */
    static void probe(Config config, String source) {
        Integer retries = config.getRequestRetryBackoffLimit();
        config.setRequestRetryBackoffLimit(0);
        try (KubernetesClient probe = new KubernetesClientBuilder().withConfig(config).build()) {
            probe.getKubernetesVersion();
        } catch (RuntimeException e) {
            throw new CliException(CliException.CLUSTER, unreachable(config.getMasterUrl(), source, e), e);
        } finally {
            config.setRequestRetryBackoffLimit(retries);
        }
    }

    /** "cannot reach the API server https://10.0.0.1:6443/ (from --kubeconfig F): connection refused". */
    static String unreachable(String server, String source, Throwable e) {
        String where = "the API server " + server + (source == null ? "" : " (from " + source + ")");
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() == 401) {
                return where + " refused the credentials: 401 Unauthorized";
            }
            if (t instanceof KubernetesClientException k && k.getCode() == 403) {
                return where + " forbids it: " + k.getStatus().getMessage();
            }
            if (t instanceof ConnectException) {
                return "cannot reach " + where + ": connection refused";
            }
            if (t instanceof UnknownHostException) {
                return "cannot reach " + where + ": unknown host " + t.getMessage();
            }
            if (t instanceof NoRouteToHostException) {
                return "cannot reach " + where + ": no route to host";
            }
            if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException) {
                return "cannot reach " + where + ": no answer in time";
            }
            if (t instanceof SSLException) {
                return "cannot talk to " + where + ": TLS failed: " + t.getMessage();
            }
        }
        return "cannot use " + where + ": " + message(e);
    }

    /** The most telling message of a chain of causes. */
    static String message(Throwable e) {
        String best = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank() && !t.getMessage().equals("An error has occurred.")) {
                best = t.getMessage();
                break;
            }
        }
        return best == null ? e.getClass().getSimpleName() : best.replace('\n', ' ').trim();
    }
}
