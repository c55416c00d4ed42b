package dev.phalanx.scheduler.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the data files shipped in the repository, wherever {@code ./phalanx} is run from. */
final class DataFiles {
    private DataFiles() {
    }

    /** {@code relative} under $PHALANX_HOME (set by ./phalanx), else under the working directory or its parents. */
    static Path resolve(String relative) {
        String home = System.getenv("PHALANX_HOME");
        if (home != null && Files.exists(Path.of(home, relative))) {
            return Path.of(home, relative);
        }
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            if (Files.exists(at.resolve(relative))) {
                return at.resolve(relative);
            }
        }
        return Path.of(relative);
    }
}
