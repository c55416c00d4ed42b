package dev.phalanx.bench.trace;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the per-job Philly trace ({@code timestamp, duration, num_gpus, gpu_time, cluster}; columns found by
 * header name): when each job was submitted, how long it ran and how many GPUs it used together.
 */
public final class PhillyTrace {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** One job: a gang of {@code gpus} GPUs submitted at {@code submitSecond} (epoch seconds) that runs {@code durationSeconds}. */
    public record Job(long submitSecond, long durationSeconds, int gpus, String cluster) {
    }

    private PhillyTrace() {
    }

    /** All jobs, in submission order (ties keep the file's order). */
    public static List<Job> read(Path file) {
        CsvTable t = CsvTable.read(file);
        int timestamp = t.column("timestamp"), duration = t.column("duration"), gpus = t.column("num_gpus"),
                cluster = t.column("cluster");
        List<Job> jobs = new ArrayList<>(t.size());
        for (int r = 0; r < t.size(); r++) {
            long submit;
            try {
                submit = LocalDateTime.parse(t.text(r, timestamp), TIMESTAMP).toEpochSecond(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw t.error(r, "column 'timestamp' must look like 2017-10-09 07:01:55, got '" + t.text(r, timestamp) + "'");
            }
            double seconds = t.decimal(r, duration, "duration");
            if (seconds < 0) {
                throw t.error(r, "column 'duration' must not be negative, got " + t.text(r, duration));
            }
            long n = t.integer(r, gpus, "num_gpus");
            if (n < 1 || n > 100_000) {
                throw t.error(r, "column 'num_gpus' must be at least 1, got " + n);
            }
            // a job that ran for less than a second still held its GPUs for that second
            jobs.add(new Job(submit, Math.max(1, Math.round(seconds)), (int) n, t.text(r, cluster)));
        }
        if (jobs.isEmpty()) {
            throw new TraceFormatException(file + ": no jobs (only a header)");
        }
        List<Job> sorted = new ArrayList<>(jobs);
        sorted.sort(Comparator.comparingLong(Job::submitSecond));
        return sorted;
    }
}
