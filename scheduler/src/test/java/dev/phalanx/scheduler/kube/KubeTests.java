package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.core.model.Keys;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.phalanx.testing.Testing.namespace;
import static org.awaitility.Awaitility.await;

/** Helpers the API-server tests share: a clean cluster, a team namespace, and running command-line tools. */
final class KubeTests {
    private KubeTests() {
    }

    /** Removes the nodes, pods, gangs and queues earlier tests left behind. */
    static void cleanCluster(KubernetesClient client) {
        // a controller's finalizer (the Job controller's, say) would hold a pod once that controller is gone
        for (var p : client.pods().inAnyNamespace().list().getItems()) {
            withoutFinalizers(client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()),
                    p.getMetadata().getFinalizers());
        }
        client.batch().v1().jobs().inAnyNamespace().delete();
        client.pods().inAnyNamespace().withGracePeriod(0).delete();
        // claims an allocation protects are held by their finalizer once the controller that lifts it is gone
        var claims = client.resources(io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim.class);
        liftClaimFinalizers(client);
        claims.inAnyNamespace().delete();
        client.resources(io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate.class).inAnyNamespace().delete();
        client.resources(io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice.class).delete();
        client.resources(io.fabric8.kubernetes.api.model.resource.v1.DeviceClass.class).delete();
        deleteVolumes(client);
        client.resources(PodGroup.class).inAnyNamespace().delete();
        deleteNativePodGroups(client);
        client.resources(Queue.class).delete();
        client.nodes().delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.nodes().list().getItems().isEmpty()
                && client.pods().inAnyNamespace().list().getItems().isEmpty()
                && client.resources(Queue.class).list().getItems().isEmpty()
                && client.resources(PodGroup.class).inAnyNamespace().list().getItems().isEmpty()
                && (nativePodGroups(client).isEmpty() || deleteNativePodGroups(client))
                && liftClaimFinalizers(client));
    }

    /**
     * True when no ResourceClaim is left; else lifts the finalizers of those left (again: a controller may have changed
     * one under the last try) and returns false.
     */
    private static boolean liftClaimFinalizers(KubernetesClient client) {
        var claims = client.resources(io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim.class);
        var left = claims.inAnyNamespace().list().getItems();
        for (var c : left) {
            withoutFinalizers(claims.inNamespace(c.getMetadata().getNamespace()).withName(c.getMetadata().getName()),
                    c.getMetadata().getFinalizers());
        }
        return left.isEmpty();
    }

    /**
     * Deletes every volume claim, volume, StorageClass and CSINode, and waits until the claims and volumes are gone: the
     * finalizers the storage protection admission puts on them are lifted first, since only the controller manager would.
     */
    static void deleteVolumes(KubernetesClient client) {
        liftVolumeFinalizers(client);
        client.persistentVolumeClaims().inAnyNamespace().delete();
        client.persistentVolumes().delete();
        client.storage().v1().storageClasses().delete();
        client.storage().v1().csiNodes().delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> liftVolumeFinalizers(client)
                && client.storage().v1().storageClasses().list().getItems().isEmpty());
    }

    /** True when no volume claim or volume is left; else lifts the finalizers of those left and returns false. */
    private static boolean liftVolumeFinalizers(KubernetesClient client) {
        var claims = client.persistentVolumeClaims().inAnyNamespace().list().getItems();
        for (var c : claims) {
            withoutFinalizers(client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace())
                    .withName(c.getMetadata().getName()), c.getMetadata().getFinalizers());
        }
        var volumes = client.persistentVolumes().list().getItems();
        for (var v : volumes) {
            withoutFinalizers(client.persistentVolumes().withName(v.getMetadata().getName()), v.getMetadata().getFinalizers());
        }
        return claims.isEmpty() && volumes.isEmpty();
    }

    /** Volume {@code name} made Available, as the volume controller (which this API server does not run) would. */
    static void available(KubernetesClient client, String name) {
        client.persistentVolumes().withName(name).editStatus(v -> {
            v.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeStatusBuilder().withPhase("Available").build());
            return v;
        });
    }

    /**
     * Lifts every finalizer of the object, if it has any. One gone (404) or changed meanwhile (409; 422 when the edit's
     * JSON patch no longer applies, as when a controller lifted the finalizer first) is left to the delete that follows.
     */
    private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void withoutFinalizers(
            io.fabric8.kubernetes.client.dsl.Resource<T> one, List<String> finalizers) {
        if (finalizers == null || finalizers.isEmpty()) {
            return;
        }
        try {
            one.edit(x -> {
                x.getMetadata().setFinalizers(List.of());
                return x;
            });
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409 && e.getCode() != 422) {
                throw e;
            }
        }
    }

    /** The API server's own scheduling.k8s.io PodGroups (a gang of pods that point at one), where it serves them. */
    private static List<io.fabric8.kubernetes.api.model.GenericKubernetesResource> nativePodGroups(KubernetesClient client) {
        try {
            return client.genericKubernetesResources("scheduling.k8s.io/v1beta1", "PodGroup").inAnyNamespace().list().getItems();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of(); // not served by this API server
            }
            throw e;
        }
    }

    private static boolean deleteNativePodGroups(KubernetesClient client) {
        for (var g : nativePodGroups(client)) {
            var one = client.genericKubernetesResources("scheduling.k8s.io/v1beta1", "PodGroup")
                    .inNamespace(g.getMetadata().getNamespace()).withName(g.getMetadata().getName());
            try {
                // a controller's finalizer would hold it once that controller is gone
                if (g.getMetadata().getFinalizers() != null && !g.getMetadata().getFinalizers().isEmpty()) {
                    one.edit(x -> {
                        x.getMetadata().setFinalizers(List.of());
                        return x;
                    });
                }
                one.delete();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e; // gone meanwhile, or changed: deleted on the next pass
                }
            }
        }
        return false;
    }

    /** A namespace whose pods go to {@code queue}, with the default service account pods need. */
    static void teamNamespace(KubernetesClient client, String ns, String queue) {
        client.resource(namespace(ns, Keys.QUEUE_LABEL, queue)).create();
        serviceAccount(client, ns);
    }

    /** The default service account pods need: no controller manager runs to make it. */
    static void serviceAccount(KubernetesClient client, String ns) {
        createIfAbsent(client, new ServiceAccountBuilder().withNewMetadata().withName("default").withNamespace(ns)
                .endMetadata().build());
    }

    /** Creates {@code object} unless it exists already. */
    static void createIfAbsent(KubernetesClient client, io.fabric8.kubernetes.api.model.HasMetadata object) {
        try {
            client.resource(object).create();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    /** What a command printed (stdout and stderr) and how it exited. */
    record Run(int exit, String out) {
    }

    static Run run(List<String> command, String stdin, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        return new Run(p.exitValue(), out);
    }

    static Run kubectl(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", TestControlPlane.get().kubeconfigFile().toString()));
        cmd.addAll(List.of(args));
        return run(cmd, stdin, null);
    }

    /**
     * Runs an idempotent tool script of this repository (tools/...) and returns the last line it
     * prints, a path; fails with the script's own words when it cannot provide the tool.
     */
    static String tool(String script) throws IOException, InterruptedException {
        Path path = TestControlPlane.repoRoot().resolve(script);
        Path log = java.nio.file.Files.createTempFile("phalanx-tool", ".log");
        Process p = new ProcessBuilder("bash", path.toString()).redirectError(log.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(30, TimeUnit.MINUTES);
        String err = java.nio.file.Files.readString(log);
        java.nio.file.Files.deleteIfExists(log);
        if (!done || p.exitValue() != 0 || out.isBlank()) {
            throw new IllegalStateException(script + " could not provide its tool (exit " + p.exitValue() + "):\n" + err);
        }
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        return lines.get(lines.size() - 1).trim();
    }

    /**
     * Installs the workload operators' CRDs as their projects define them ({@code tools/workload-crds/fetch.sh}),
     * and waits until they are Established.
     */
    static void installWorkloadCrds(KubernetesClient client) throws IOException, InterruptedException {
        Path dir = Path.of(tool("tools/workload-crds/fetch.sh"));
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".yaml")).sorted().toList()) {
                try (var in = java.nio.file.Files.newInputStream(f)) {
                    for (var item : client.load(in).items()) {
                        if (item instanceof io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition crd) {
                            java.util.function.Predicate<io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition> established =
                                    c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                                            && c.getStatus().getConditions().stream().anyMatch(x -> "Established".equals(x.getType())
                                            && "True".equals(x.getStatus()));
                            // installed by an earlier test class: no informer to wait with (one closed at once logs
                            // a failed watch)
                            if (!established.test(client.resource(crd).forceConflicts().serverSideApply())) {
                                client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                                        .waitUntilCondition(established, 60, TimeUnit.SECONDS);
                            }
                        }
                    }
                }
            }
        }
    }
}
