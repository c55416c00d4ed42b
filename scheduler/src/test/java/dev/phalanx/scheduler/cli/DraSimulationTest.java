package dev.phalanx.scheduler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.core.model.Keys;
import dev.phalanx.testing.Dra;
import dev.phalanx.testing.Testing;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * GPUs through Dynamic Resource Allocation in the simulator: claims made from templates are allocated with their
 * gang, ComputeDomains stay in one NVLink clique and a clique serves one of them, queues count claimed GPUs.
 */
class DraSimulationTest {
    private static final String NS = "ml";
    private static final String GB200 = "NVIDIA GB200";

    @TempDir
    Path dir;

    /** Two cliques of {@code perClique} nodes, each node with 4 GPUs and an IMEX channel published through DRA. */
    static List<HasMetadata> cluster(int perClique, String gpuQuota, String gpuLimit) {
        List<HasMetadata> objs = new ArrayList<>();
        objs.add(namespace(NS, Keys.QUEUE_LABEL, "team"));
        objs.add(queue("team").gpu(gpuQuota, 1, gpuLimit).build());
        objs.add(Dra.gpuClass());
        objs.add(Dra.channelClass());
        for (String clique : List.of("a", "b")) {
            for (int i = 0; i < perClique; i++) {
                String n = clique + i;
                objs.add(node(n, 0, Keys.CLIQUE_LABEL, "clique-" + clique));
                objs.add(Dra.gpuSlice(n, 4, GB200));
                objs.add(Dra.channelSlice(n));
            }
        }
        objs.add(Dra.template(NS, "four-gpus", Dra.gpus(4)));
        return objs;
    }

    /** A gang of {@code size} pods, each with four GPUs from a claim template and a channel of {@code domain}. */
    static List<HasMetadata> gang(String name, int size, String domain) {
        List<HasMetadata> objs = new ArrayList<>();
        objs.add(podGroup(NS, name, size).build());
        if (domain != null) {
            objs.add(Dra.channelTemplate(NS, domain + "-channel", domain + "-uid"));
        }
        for (int i = 0; i < size; i++) {
            var p = pod(NS, name + "-" + i).group(name).claimFromTemplate("gpus", "four-gpus");
            if (domain != null) {
                p.claimFromTemplate("channel", domain + "-channel");
            }
            objs.add(p.build());
        }
        return objs;
    }

    private JsonNode simulate(List<HasMetadata> objs) throws Exception {
        Path f = dir.resolve("dra.yaml");
        Files.writeString(f, Testing.yaml(objs));
        CliRun run = CliRun.of("simulate", "-f", f.toString(), "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        return run.json();
    }

    private static Map<String, List<String>> nodesByGang(JsonNode root) {
        Map<String, List<String>> out = new TreeMap<>();
        for (JsonNode p : root.get("pods")) {
            String name = p.get("name").asText();
            out.computeIfAbsent(name.substring(0, name.lastIndexOf('-')), k -> new ArrayList<>())
                    .add(p.get("node").isNull() ? null : p.get("node").asText());
        }
        return out;
    }

    private static Map<String, JsonNode> groups(JsonNode root) {
        Map<String, JsonNode> out = new TreeMap<>();
        root.get("podGroups").forEach(g -> out.put(g.get("name").asText(), g));
        return out;
    }

    @Test
    void computeDomainGangsLandWholeEachInACliqueOfItsOwn() throws Exception {
        List<HasMetadata> objs = cluster(4, "64", "-1");
        objs.addAll(gang("first", 4, "cd1"));
        objs.addAll(gang("second", 3, "cd2"));
        objs.addAll(gang("third", 1, "cd3"));
        JsonNode root = simulate(objs);
        Map<String, List<String>> nodes = nodesByGang(root);
        for (String g : List.of("first", "second")) {
            assertThat(nodes.get(g)).doesNotContainNull().doesNotHaveDuplicates();
            Set<String> cliques = new HashSet<>();
            nodes.get(g).forEach(n -> cliques.add(n.substring(0, 1)));
            assertThat(cliques).as("%s stays in one clique", g).hasSize(1);
        }
        assertThat(nodes.get("first").get(0).charAt(0)).isNotEqualTo(nodes.get("second").get(0).charAt(0));
        // one node is free in the second gang's clique, but that clique serves another ComputeDomain
        assertThat(nodes.get("third")).containsOnlyNulls();
        assertThat(groups(root).get("third").get("reason").asText()).contains("ComputeDomain cd2-uid");
    }

    @Test
    void aQueueAtItsGpuLimitCannotStartAGangAskingThroughClaims() throws Exception {
        List<HasMetadata> objs = cluster(2, "4", "4");
        objs.addAll(gang("small", 1, null));
        objs.addAll(gang("pair", 2, null));
        JsonNode root = simulate(objs);
        Map<String, List<String>> nodes = nodesByGang(root);
        assertThat(nodes.get("small")).doesNotContainNull();
        assertThat(nodes.get("pair")).containsOnlyNulls();
        JsonNode pair = groups(root).get("pair");
        assertThat(pair.get("reason").asText()).startsWith("QueueOverLimit: needs 8 nvidia.com/gpu");
    }
}
