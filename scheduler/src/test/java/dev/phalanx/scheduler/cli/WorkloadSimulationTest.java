package dev.phalanx.scheduler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.core.model.Keys;
import dev.phalanx.testing.Testing;
import dev.phalanx.testing.Workloads;
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
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator takes workloads as users submit them and forms the gangs the cluster would: the manifests of
 * WorkloadGangsIT (a Job, a JobSet, a PyTorchJob, a native PodGroup; a Job too large for any NVLink domain)
 * reach the same outcome as on the API server.
 */
class WorkloadSimulationTest {
    private static final String NS = "workloads";

    @TempDir
    Path dir;

    @Test
    void workloadsExpandIntoTheirPodsAndStartAsTheGangsTheirKindsImply() throws Exception {
        List<HasMetadata> objs = new ArrayList<>();
        objs.add(namespace(NS, Keys.QUEUE_LABEL, "team"));
        objs.add(queue("team").gpu("64", 1, "-1").build());
        for (String clique : List.of("a", "b")) {
            for (int i = 0; i < 2; i++) {
                objs.add(node(clique + i, 8, Keys.CLIQUE_LABEL, "clique-" + clique));
            }
        }
        objs.add(Workloads.job(NS, "train", 8, 1, Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.CLIQUE_LABEL));
        objs.add(Workloads.jobSet(NS, "sweep", 2, 4, 1, Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.CLIQUE_LABEL));
        objs.add(Workloads.pyTorchJob(NS, "llama", 7, 1, Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.CLIQUE_LABEL));
        objs.add(Workloads.nativePodGroup(NS, "infer", 4, Keys.CLIQUE_LABEL));
        for (int i = 0; i < 4; i++) {
            objs.add(Workloads.nativeMember(NS, "infer-" + i, "infer", 1));
        }
        objs.add(Workloads.job(NS, "huge", 20, 1, Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.CLIQUE_LABEL));
        Path f = dir.resolve("workloads.yaml");
        Files.writeString(f, Testing.yaml(objs));

        CliRun run = CliRun.of("simulate", "-f", f.toString(), "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode root = run.json();
        Map<String, List<String>> nodesByGang = new TreeMap<>();
        for (JsonNode p : root.get("pods")) {
            String name = p.get("name").asText();
            String gang = name.substring(0, name.indexOf('-'));
            nodesByGang.computeIfAbsent(gang, k -> new ArrayList<>()).add(p.get("node").isNull() ? null : p.get("node").asText());
        }
        assertThat(nodesByGang.get("train")).hasSize(8);
        assertThat(nodesByGang.get("sweep")).hasSize(8);
        assertThat(nodesByGang.get("llama")).hasSize(8);
        assertThat(nodesByGang.get("infer")).hasSize(4);
        for (String gang : List.of("train", "sweep", "llama", "infer")) {
            Set<String> cliques = new HashSet<>();
            nodesByGang.get(gang).forEach(n -> cliques.add(n == null ? "unbound" : n.substring(0, 1)));
            assertThat(cliques).as("%s starts whole in one NVLink domain", gang).hasSize(1).doesNotContain("unbound");
        }
        assertThat(nodesByGang.get("huge")).hasSize(20).containsOnlyNulls();

        Map<String, JsonNode> groups = new TreeMap<>();
        root.get("podGroups").forEach(g -> groups.put(g.get("name").asText(), g));
        assertThat(groups).containsOnlyKeys("job-train", "jobset-sweep", "pytorchjob-llama", "infer", "job-huge");
        assertThat(groups.get("pytorchjob-llama").get("minMember").asInt()).isEqualTo(8);
        assertThat(groups.get("pytorchjob-llama").get("owner").get("kind").asText()).isEqualTo("PyTorchJob");
        assertThat(groups.get("jobset-sweep").get("owner").get("name").asText()).isEqualTo("sweep");
        assertThat(groups.get("infer").get("owner").isNull()).isTrue();
        // (which clique is "the best" depends on what was placed before it was judged; both hold 16 GPUs)
        assertThat(groups.get("job-huge").get("reason").asText()).startsWith("Unschedulable: needs 20 nvidia.com/gpu for "
                + "20 pods in one nvidia.com/gpu.clique; the best, clique-").endsWith(", has 16 nvidia.com/gpu free; it would not fit even the empty cluster");
    }

    /** SegmentedJobIT's job in the simulator: the same racks, spines and busy node, the same outcome. */
    @Test
    void aJobInSegmentsStartsWithEachSegmentInARackOfItsOwnUnderTheSpineThatHoldsIt() throws Exception {
        List<HasMetadata> objs = new ArrayList<>();
        objs.add(namespace(NS, Keys.QUEUE_LABEL, "team"));
        objs.add(queue("team").gpu("288", 1, "-1").build());
        for (String rack : List.of("a", "b", "c", "d")) {
            for (int i = 0; i < 18; i++) {
                objs.add(node(rack + String.format("%02d", i), 4, Keys.CLIQUE_LABEL, "nvl72-" + rack, Keys.SPINE_LABEL,
                        rack.compareTo("c") < 0 ? "spine-0" : "spine-1"));
            }
        }
        objs.add(Testing.pod(NS, "busy").queue("team").gpus(4).nodeSelector("kubernetes.io/hostname", "b00").build());
        objs.add(Workloads.job(NS, "pretrain", 36, 4, Keys.SEGMENT_SIZE_ANNOTATION, "18",
                Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.SPINE_LABEL));
        Path f = dir.resolve("segments.yaml");
        Files.writeString(f, Testing.yaml(objs));

        CliRun run = CliRun.of("simulate", "-f", f.toString(), "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode root = run.json();
        Map<Integer, Set<String>> racksBySegment = new TreeMap<>();
        for (JsonNode p : root.get("pods")) {
            String name = p.get("name").asText();
            if (name.startsWith("pretrain-")) {
                int index = Integer.parseInt(name.substring("pretrain-".length()));
                racksBySegment.computeIfAbsent(index / 18, k -> new HashSet<>()).add(p.get("node").asText().substring(0, 1));
            }
        }
        assertThat(racksBySegment).hasSize(2).allSatisfy((segment, racks) -> assertThat(racks).hasSize(1));
        Set<String> racks = new HashSet<>();
        racksBySegment.values().forEach(racks::addAll);
        assertThat(racks).as("two racks of their own, both under spine-1").containsExactlyInAnyOrder("c", "d");
        JsonNode group = null;
        for (JsonNode g : root.get("podGroups")) {
            group = g.get("name").asText().equals("job-pretrain") ? g : group;
        }
        assertThat(group).isNotNull();
        assertThat(group.get("subGroups")).hasSize(2);
    }
}
