package dev.phalanx.bench.trace;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the data files the benchmarks ship with ({@code benchmarks/data/...}) are: relative to the working
 * directory (./phalanx runs from the repository root), else relative to the repository the running
 * classes were built in (found by walking up from the jar or class folder), so a benchmark also runs
 * from another directory.
 */
public final class BenchFiles {
    private BenchFiles() {
    }

    /** The shipped file at {@code relative} (e.g. {@code benchmarks/data/philly/philly.csv}). */
    public static Path shipped(String relative) {
        List<Path> tried = new ArrayList<>();
        Path here = Path.of(relative);
        tried.add(here.toAbsolutePath());
        if (Files.isRegularFile(here)) {
            return here; // relative, as the user would type it
        }
        Path root = buildRoot();
        for (Path dir = root; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            tried.add(candidate);
            if (Files.isDirectory(dir.resolve(".git")) || Files.isRegularFile(dir.resolve(".git"))) {
                break; // the repository root: going higher would find someone else's files
            }
        }
        throw new TraceFormatException("the bundled data file " + relative + " was not found (looked at "
                + String.join(", ", tried.stream().map(Path::toString).toList()) + "); run from the repository root or name the file explicitly");
    }

    private static Path buildRoot() {
        try {
            var source = BenchFiles.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI()).toAbsolutePath().getParent();
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
