package dev.phalanx.api.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.phalanx.api.v1alpha1.ApiPatterns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Run by the build right after fabric8's crd-generator: orders the printer columns as kubectl users
 * expect them, and adds what the generator cannot express for int-or-string quantities, a {@code pattern} (for strings) and a {@code minimum} (for integers) on Queue quotas and limits, so the API server itself
 * refuses a quota that is not a non-negative quantity and a limit that is neither -1 nor one. (CEL
 * cannot parse these strings within its cost budget, and the generator ignores {@code @Pattern} on
 * {@code Quantity} fields.)
 */
public final class CrdFinisher {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private CrdFinisher() {
    }

    /** Printer columns in the order kubectl shows them (the generator sorts them by JSON path). */
    static final List<String> COLUMN_ORDER = List.of("Queue", "Parent", "MinMember", "Priority", "Phase", "Scheduled",
            "Running", "GPU Quota", "GPU Fair Share", "GPU Allocated", "GPU Decayed Usage", "GPU Weight", "Age");

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        finish(dir.resolve("queues.scheduling.phalanx.dev-v1.yml"), true);
        finish(dir.resolve("podgroups.scheduling.phalanx.dev-v1.yml"), false);
    }

    private static void finish(Path file, boolean queue) throws IOException {
        JsonNode crd = YAML.readTree(Files.readString(file));
        for (JsonNode version : crd.path("spec").path("versions")) {
            if (version.get("additionalPrinterColumns") instanceof ArrayNode columns) {
                List<JsonNode> sorted = new ArrayList<>();
                columns.forEach(sorted::add);
                sorted.sort(Comparator.comparingInt(c -> COLUMN_ORDER.indexOf(c.path("name").asText())));
                columns.removeAll();
                sorted.forEach(columns::add);
            }
            if (!queue) {
                continue;
            }
            JsonNode share = version.path("schema").path("openAPIV3Schema").path("properties").path("spec")
                    .path("properties").path("resources").path("additionalProperties").path("properties");
            require(share, "quota").put("pattern", ApiPatterns.QUANTITY).put("minimum", 0);
            require(share, "limit").put("pattern", ApiPatterns.LIMIT).put("minimum", -1);
        }
        Files.writeString(file, "# Generated from the API classes by fabric8's CRDGenerator and CrdFinisher; do not edit.\n"
                + YAML.writeValueAsString(crd));
    }

    private static ObjectNode require(JsonNode parent, String field) {
        if (!(parent.get(field) instanceof ObjectNode node)) {
            throw new IllegalStateException("the generated Queue CRD has no resources.*." + field + " schema");
        }
        return node;
    }
}
