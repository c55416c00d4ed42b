package dev.phalanx.scheduler.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Microsoft Philly job trace as shipped in benchmarks/data/philly: one row per job, columns read
 * by header name ({@code timestamp, duration, num_gpus, cluster}); the virtual cluster becomes a queue.
 */
public final class PhillyTrace {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** A job: submitted at {@code submitAt} (epoch ms, UTC), runs {@code durationMillis} on {@code gpus} GPUs. */
    public record Job(long submitAt, long durationMillis, int gpus, String virtualCluster) {
    }

    private PhillyTrace() {
    }

    public static List<Job> read(Path csv) {
        try (BufferedReader r = Files.newBufferedReader(csv)) {
            String header = r.readLine();
            if (header == null) {
                throw new IllegalArgumentException(csv + ": empty file");
            }
            Map<String, Integer> col = new HashMap<>();
            String[] names = header.split(",");
            for (int i = 0; i < names.length; i++) {
                col.put(names[i].trim(), i);
            }
            for (String required : List.of("timestamp", "duration", "num_gpus", "cluster")) {
                if (!col.containsKey(required)) {
                    throw new IllegalArgumentException(csv + ": no column '" + required + "' in the header (" + header + ")");
                }
            }
            List<Job> jobs = new ArrayList<>();
            int line = 1;
            for (String row; (row = r.readLine()) != null; ) {
                line++;
                if (row.isBlank()) {
                    continue;
                }
                String[] f = row.split(",", -1);
                try {
                    long submit = LocalDateTime.parse(f[col.get("timestamp")].trim(), TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
                    long duration = Math.round(Double.parseDouble(f[col.get("duration")].trim()) * 1000);
                    int gpus = (int) Math.round(Double.parseDouble(f[col.get("num_gpus")].trim()));
                    String vc = f[col.get("cluster")].trim();
                    if (gpus < 1 || duration < 0 || vc.isEmpty()) {
                        throw new IllegalArgumentException("num_gpus must be >= 1, duration >= 0 and cluster set");
                    }
                    jobs.add(new Job(submit, duration, gpus, vc));
                } catch (DateTimeParseException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                    throw new IllegalArgumentException(csv + ": line " + line + ": " + e.getMessage(), e);
                }
            }
            jobs.sort(java.util.Comparator.comparingLong(Job::submitAt));
            return jobs;
        } catch (IOException e) {
            throw new IllegalArgumentException(csv + ": cannot read: " + e.getMessage(), e);
        }
    }
}
