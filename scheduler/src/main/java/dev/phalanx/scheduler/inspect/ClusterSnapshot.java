package dev.phalanx.scheduler.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.HasMetadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A live cluster as the simulator reads it ({@code phalanx snapshot}): Namespaces, PriorityClasses, Queues,
 * Nodes, PodGroups and Pods as one multi-document YAML, so that {@code phalanx simulate -f} replays the
 * cluster as it is. What the simulator reads is kept: labels and annotations, every spec (a bound pod's
 * spec.nodeName included), a pod's status.phase, a node's allocatable, capacity and conditions. What it does
 * not read is left out: managedFields, resource versions and uids, owner references, the last-applied
 * annotation, and every other status (a Queue's and a PodGroup's are the scheduler's own output).
 */
public final class ClusterSnapshot {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
    private static final Set<String> METADATA_LEFT_OUT = Set.of("managedFields", "resourceVersion", "uid", "generation",
            "selfLink", "ownerReferences");
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    private static final Set<String> NODE_STATUS_KEPT = Set.of("allocatable", "capacity", "conditions");
    private static final Set<String> NODE_CONDITION_KEPT = Set.of("type", "status", "reason", "message", "lastTransitionTime");

    private ClusterSnapshot() {
    }

    /** Writes {@code cluster}, kind by kind in the order the simulator needs them, with a header saying what it is. */
    public static void write(ClusterObjects cluster, String header, Writer out) {
        try {
            for (String line : header.split("\n")) {
                out.write("# " + line + "\n");
            }
            for (List<? extends HasMetadata> kind : List.of(cluster.namespaces(), cluster.priorityClasses(), cluster.queues(),
                    cluster.nodes(), cluster.podGroups(), cluster.pods())) {
                for (HasMetadata o : kind) {
                    out.write("---\n");
                    out.write(YAML.writeValueAsString(trimmed(o)));
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code o} with only what the simulator reads. */
    static ObjectNode trimmed(HasMetadata o) {
        ObjectNode node = JSON.valueToTree(o);
        ObjectNode out = JSON.createObjectNode();
        out.put("apiVersion", o.getApiVersion() != null ? o.getApiVersion() : HasMetadata.getApiVersion(o.getClass()));
        out.put("kind", o.getKind() != null ? o.getKind() : HasMetadata.getKind(o.getClass()));
        ObjectNode md = node.path("metadata") instanceof ObjectNode m ? m.deepCopy() : JSON.createObjectNode();
        md.remove(METADATA_LEFT_OUT);
        if (md.path("annotations") instanceof ObjectNode a) {
            a.remove(LAST_APPLIED);
            if (a.isEmpty()) {
                md.remove("annotations");
            }
        }
        out.set("metadata", md);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!Set.of("apiVersion", "kind", "metadata", "status").contains(field) && !node.get(field).isNull()) {
                out.set(field, node.get(field));
            }
        }
        JsonNode status = node.path("status");
        switch (out.path("kind").asText()) {
            case "Pod" -> {
                if (status.hasNonNull("phase")) {
                    out.putObject("status").put("phase", status.get("phase").asText());
                }
            }
            case "Node" -> {
                ObjectNode kept = JSON.createObjectNode();
                for (String f : NODE_STATUS_KEPT) {
                    if (status.hasNonNull(f)) {
                        kept.set(f, status.get(f).deepCopy());
                    }
                }
                if (kept.path("conditions").isArray()) {
                    for (JsonNode c : kept.path("conditions")) {
                        ((ObjectNode) c).retain(NODE_CONDITION_KEPT);
                    }
                }
                if (!kept.isEmpty()) {
                    out.set("status", kept);
                }
            }
            default -> {
                // a Queue's and a PodGroup's status are the scheduler's output; the rest have none it reads
            }
        }
        return out;
    }
}
