package dev.phalanx.core.kube;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fields of one of Phalanx's own objects (Queue, PodGroup) that its CRD does not define, found as the API
 * server finds them under strict field validation, kubectl's default: every field of spec and status is
 * looked up in the CRD's schema (the one generated from the API classes and shipped in the jar), metadata's
 * in ObjectMeta. Paths are spelt as the API server spells them ({@code spec.resources.nvidia.com/gpu.quotaa},
 * {@code status.conditions[0].bogus}) and sorted as it sorts them, so a misspelt {@code topology.require}
 * is refused with the same words in the simulator and by kubectl instead of silently dropping the
 * constraint.
 */
final class StrictFields {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<Class<?>, JsonNode> SCHEMAS = new ConcurrentHashMap<>();
    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata");
    private static final Set<String> OBJECT_META = objectMetaFields();

    private StrictFields() {
    }

    /** The unknown fields of {@code object}, a {@code type} written as YAML or JSON; empty when there are none. */
    static List<String> unknown(JsonNode object, Class<? extends HasMetadata> type) {
        JsonNode schema = SCHEMAS.computeIfAbsent(type, StrictFields::schema);
        Set<String> found = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("metadata") && e.getValue().isObject()) {
                e.getValue().fieldNames().forEachRemaining(f -> {
                    if (!OBJECT_META.contains(f)) {
                        found.add("metadata." + f);
                    }
                });
            } else if (TOP_LEVEL.contains(name)) {
                continue;
            } else if (schema.path("properties").has(name)) {
                walk(e.getValue(), schema.path("properties").path(name), name, found);
            } else {
                found.add(name);
            }
        }
        return new ArrayList<>(found);
    }

    private static void walk(JsonNode value, JsonNode schema, String path, Set<String> found) {
        if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            return;
        }
        if (value.isObject()) {
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String at = path + "." + e.getKey();
                if (properties.has(e.getKey())) {
                    walk(e.getValue(), properties.path(e.getKey()), at, found);
                } else if (additional.isObject()) {
                    walk(e.getValue(), additional, at, found);
                } else if (!additional.asBoolean(false)) {
                    found.add(at);
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                walk(value.get(i), schema.path("items"), path + "[" + i + "]", found);
            }
        }
    }

    private static JsonNode schema(Class<?> type) {
        @SuppressWarnings("unchecked")
        Class<? extends HasMetadata> t = (Class<? extends HasMetadata>) type;
        String resource = "/META-INF/fabric8/" + HasMetadata.getPlural(t) + "." + HasMetadata.getGroup(t) + "-v1.yml";
        try (InputStream in = StrictFields.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the CRD " + resource + " is not on the class path; the build generates it");
            }
            JsonNode crd = YAML.readTree(in);
            String version = HasMetadata.getVersion(t);
            for (JsonNode v : crd.path("spec").path("versions")) {
                if (version.equals(v.path("name").asText())) {
                    return v.path("schema").path("openAPIV3Schema");
                }
            }
            throw new IllegalStateException(resource + " has no version " + version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> objectMetaFields() {
        ObjectMapper m = new ObjectMapper();
        BeanDescription d = m.getDeserializationConfig().introspect(m.constructType(ObjectMeta.class));
        Set<String> names = new TreeSet<>();
        for (BeanPropertyDefinition p : d.findProperties()) {
            if (p.hasSetter() || p.hasField()) {
                names.add(p.getName());
            }
        }
        names.remove("additionalProperties");
        return Set.copyOf(names);
    }
}
