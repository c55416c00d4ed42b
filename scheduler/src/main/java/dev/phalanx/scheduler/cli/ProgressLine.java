package dev.phalanx.scheduler.cli;

import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.sim.Simulation;

import java.io.PrintWriter;

/** A one-line progress display on stderr, only when stderr is a terminal; never on stdout. */
final class ProgressLine {
    private final PrintWriter err;
    private final boolean enabled;
    private long lastPrint;
    private boolean printed;

    private ProgressLine(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    static ProgressLine forTerminal(PrintWriter err) {
        // System.console() is null when stdin/stdout are redirected; Console.isTerminal() (JDK 22+) is not needed here.
        return new ProgressLine(err, System.console() != null && System.getenv("CI") == null);
    }

    void update(Simulation.Progress p) {
        if (!enabled) {
            return;
        }
        long t = System.nanoTime();
        if (t - lastPrint < 200_000_000L) {
            return;
        }
        lastPrint = t;
        printed = true;
        err.print("\r\033[K  simulated " + Durations.format(p.simulatedMillis()) + " · " + p.bindings() + " bindings · "
                + p.gangsWaiting() + " gangs waiting · " + p.cycles() + " cycles");
        err.flush();
    }

    void clear() {
        if (printed) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
