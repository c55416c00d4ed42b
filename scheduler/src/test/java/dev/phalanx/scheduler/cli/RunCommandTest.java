package dev.phalanx.scheduler.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code phalanx run} where there is no cluster to run against: it says so, in a line, and exits non-zero. */
class RunCommandTest {
    @TempDir
    Path dir;

    /** A kubeconfig naming an API server on a port nothing listens on. */
    private Path kubeconfigOfNoServer() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path f = dir.resolve("kubeconfig");
        Files.writeString(f, """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}
                  name: gone
                contexts:
                - context: {cluster: gone, user: me}
                  name: gone
                current-context: gone
                users:
                - name: me
                  user: {token: t}
                """.formatted(port));
        return f;
    }

    @Test
    void anUnreachableApiServerIsNamedWithTheReasonAndNoStackTrace() throws Exception {
        Path kubeconfig = kubeconfigOfNoServer();
        String server = Files.readString(kubeconfig).replaceAll("(?s).*server: \"([^\"]+)\".*", "$1");
        CliRun run = CliRun.of("run", "--kubeconfig", kubeconfig.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("phalanx run: cannot reach the API server " + server
                + "/ (from --kubeconfig " + kubeconfig + "): connection refused");
        assertThat(run.out()).isEmpty();

        CliRun verbose = CliRun.of("run", "--kubeconfig", kubeconfig.toString(), "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(1);
        assertThat(verbose.err()).startsWith(run.err().strip()).contains("\tat ").contains("ConnectException");
    }

    @Test
    void aMissingKubeconfigOrContextIsNamed() throws Exception {
        CliRun missing = CliRun.of("run", "--kubeconfig", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err().strip()).isEqualTo("phalanx run: --kubeconfig " + dir.resolve("nope") + ": no such readable file");
        Path kubeconfig = kubeconfigOfNoServer();
        CliRun context = CliRun.of("run", "--kubeconfig", kubeconfig.toString(), "--context", "elsewhere");
        assertThat(context.exitCode()).isEqualTo(2);
        assertThat(context.err().strip()).isEqualTo("phalanx run: --context elsewhere: no such context in --kubeconfig " + kubeconfig);
    }

    @Test
    void aBadConfigFileIsNamedWithItsField() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "leaderElection: {lease: 1s}\n");
        CliRun run = CliRun.of("run", "--config", config.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("phalanx run: --config " + config + ": unknown field \"leaderElection.lease\"")
                .doesNotContain("PhalanxConfig", "$");
    }
}
