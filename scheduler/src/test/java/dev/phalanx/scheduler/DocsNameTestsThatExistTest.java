package dev.phalanx.scheduler;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The tests docs/bad-input.md and docs/reliability.md name exist, each method in its class, so the tables stay true. */
class DocsNameTestsThatExistTest {
    @Test
    void everyTestTheBadInputAndReliabilityTablesNameExists() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(root.resolve("docs")) || !Files.exists(root.resolve("pom.xml"))) {
            root = root.getParent();
        }
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().contains("/src/test/java/") && p.toString().endsWith(".java")).toList()) {
                sources.put(f.getFileName().toString().replace(".java", ""), Files.readString(f));
            }
        }
        List<String> missing = new ArrayList<>();
        int named = 0;
        for (String doc : List.of("docs/bad-input.md", "docs/reliability.md")) {
            Matcher m = Pattern.compile("`([A-Z][A-Za-z]*(?:Test|IT))(?:\\.([a-z][A-Za-z]*))?`").matcher(Files.readString(root.resolve(doc)));
            while (m.find()) {
                named++;
                String source = sources.get(m.group(1));
                if (source == null) {
                    missing.add(doc + ": class " + m.group(1));
                } else if (m.group(2) != null && !source.contains(" " + m.group(2) + "(")) {
                    missing.add(doc + ": " + m.group(1) + "." + m.group(2));
                }
            }
        }
        assertThat(named).isGreaterThan(40);
        assertThat(missing).isEmpty();
    }
}
