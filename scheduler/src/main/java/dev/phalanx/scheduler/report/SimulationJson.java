package dev.phalanx.scheduler.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.phalanx.core.sim.SimulationResult;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON that {@code phalanx simulate --output json} prints: one object, times in simulated seconds. */
public final class SimulationJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SimulationJson() {
    }

    public static String write(SimulationResult r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("summary", r.summary());
        root.put("pods", r.pods());
        root.put("podGroups", r.podGroups());
        root.put("queues", r.queues());
        root.put("problems", r.problems());
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
