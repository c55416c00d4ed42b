package dev.phalanx.api;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The checked-in crds/ and the chart's copy must be exactly what the API classes generate. */
class CrdsAreCurrentTest {
    private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
    private static final String HOW_TO_FIX = "crds/ is stale: run ./mvnw -pl scheduler-core process-classes -Pupdate-crds and commit crds/";

    private static List<Path> generated() throws Exception {
        try (Stream<Path> s = Files.list(GENERATED)) {
            return s.filter(p -> p.getFileName().toString().endsWith("-v1.yml")).sorted().toList();
        }
    }

    @Test
    void checkedInCrdsMatchTheApiClasses() throws Exception {
        List<Path> files = generated();
        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("podgroups.scheduling.phalanx.dev-v1.yml", "queues.scheduling.phalanx.dev-v1.yml");
        try (Stream<Path> s = Files.list(Path.of("../crds"))) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).as(HOW_TO_FIX)
                    .containsExactlyElementsOf(files.stream().map(p -> p.getFileName().toString()).toList());
        }
        for (Path f : files) {
            assertThat(Files.readString(Path.of("../crds").resolve(f.getFileName()))).as(HOW_TO_FIX + " (" + f.getFileName() + ")")
                    .isEqualTo(Files.readString(f));
            assertThat(Files.readString(Path.of("../charts/phalanx/crds").resolve(f.getFileName())))
                    .isEqualTo(Files.readString(f));
        }
    }

    @Test
    void theCrdsCarryTheValidationAndPrinterColumnsUsersRelyOn() throws Exception {
        String pg = Files.readString(GENERATED.resolve("podgroups.scheduling.phalanx.dev-v1.yml"));
        assertThat(pg).contains("minimum: 1.0").contains("- minMember").contains("name: Phase")
                .contains("name: Scheduled").contains("name: MinMember").contains("name: Queue");
        String q = Files.readString(GENERATED.resolve("queues.scheduling.phalanx.dev-v1.yml"));
        assertThat(q).contains("limit must be -1 (no limit) or at least quota").contains("pattern: \"^\\\\+?(([0-9]")
                .contains("name: GPU Fair Share").contains("name: GPU Allocated").contains("scope: Cluster")
                .contains("name: GPU Decayed Usage").contains("name: GPU Weight").contains("decayedUsageTime:");
        assertThat(q.indexOf("name: GPU Allocated")).as("usage history after allocation, then the weight, then Age")
                .isLessThan(q.indexOf("name: GPU Decayed Usage"));
        assertThat(q.indexOf("name: GPU Weight")).isLessThan(q.indexOf("name: Age"));
    }
}
