package dev.phalanx.scheduler;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.phalanx.core.kube.Durations;
import dev.phalanx.core.model.Keys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The scheduler's configuration ({@code phalanx run --config F}, YAML). Every field has a default.
 *
 * @param schedulerName   pods whose spec.schedulerName is this are scheduled; others are left alone
 * @param cyclePeriod     a cycle runs at least this often, even when nothing changed
 * @param debounce        after a change, wait this long for more changes before a cycle
 * @param bindParallelism bindings in flight at once
 * @param statusPeriod    PodGroup and Queue status are written at most this often per object
 */
public record PhalanxConfig(String schedulerName, String cyclePeriod, String debounce, int bindParallelism,
                            String statusPeriod) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    public PhalanxConfig {
        schedulerName = schedulerName == null ? Keys.SCHEDULER_NAME : schedulerName;
        cyclePeriod = cyclePeriod == null ? "10s" : cyclePeriod;
        debounce = debounce == null ? "100ms" : debounce;
        bindParallelism = bindParallelism <= 0 ? 16 : bindParallelism;
        statusPeriod = statusPeriod == null ? "1s" : statusPeriod;
        for (String d : new String[]{cyclePeriod, debounce, statusPeriod}) {
            Durations.parseMillis(d);
        }
    }

    public static PhalanxConfig defaults() {
        return new PhalanxConfig(null, null, null, 0, null);
    }

    public static PhalanxConfig load(Path file) {
        try {
            PhalanxConfig c = YAML.readValue(Files.readString(file), PhalanxConfig.class);
            return c == null ? defaults() : c;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage().split("\n")[0], e);
        }
    }

    public long cyclePeriodMillis() {
        return Durations.parseMillis(cyclePeriod);
    }

    public long debounceMillis() {
        return Durations.parseMillis(debounce);
    }

    public long statusPeriodMillis() {
        return Durations.parseMillis(statusPeriod);
    }

    public PhalanxConfig withCyclePeriod(String period) {
        return new PhalanxConfig(schedulerName, period, debounce, bindParallelism, statusPeriod);
    }
}
