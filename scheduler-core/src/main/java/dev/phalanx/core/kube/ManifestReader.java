package dev.phalanx.core.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.Queue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads ordinary Kubernetes YAML (multi-document, or {@code kind: List} as {@code kubectl get -o yaml}
 * prints it) into {@link Manifests}. Anything it cannot read stops it with a message naming the file
 * and the object; objects that are merely invalid are read and judged later, on the object. Objects of
 * kinds it does not model (a Deployment, a Service, Volcano's PodGroup, which shares a kind name but not
 * the API group) are skipped and counted in {@link #skipped()}, so a whole cluster dump can be replayed.
 */
public final class ManifestReader {
    public static final List<String> KINDS = List.of("Namespace", "Node", "Queue", "PodGroup", "Pod", "PriorityClass",
            "Job", "JobSet", "PyTorchJob", "TFJob", "XGBoostJob", "JAXJob", "PaddleJob", "MXJob", "MPIJob", "RayJob",
            "RayCluster", "LeaderWorkerSet", "DeviceClass", "ResourceSlice", "ResourceClaim", "ResourceClaimTemplate",
            "ComputeDomain");
    /** Phalanx's own API version, the only one its Queue and PodGroup kinds are read from. */
    public static final String PHALANX_API_VERSION = HasMetadata.getApiVersion(Queue.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Manifests out = Manifests.empty();
    private final Set<String> seen = new HashSet<>();
    private final Map<String, Skipped> skipped = new LinkedHashMap<>();

    /** Objects of one kind and apiVersion that were not read, and why. */
    public record Skipped(String kind, String apiVersion, int count, String why) {
        /** One line for a person: "skipped 3 Deployment (apps/v1): a kind the simulator does not model". */
        public String describe() {
            return "skipped " + count + " " + kind + " (" + apiVersion + "): " + why;
        }
    }

    /** Reads files, and every *.yaml / *.yml / *.json file under directories, in name order. */
    public ManifestReader readPaths(List<Path> paths) {
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    for (Path f : walk.filter(Files::isRegularFile).filter(ManifestReader::isManifest).sorted().toList()) {
                        readFile(f);
                    }
                } catch (IOException e) {
                    throw new ManifestException(p + ": cannot list directory: " + e.getMessage(), e);
                }
            } else if (Files.isRegularFile(p)) {
                readFile(p);
            } else {
                throw new ManifestException(p + ": no such file or directory");
            }
        }
        return this;
    }

    private static boolean isManifest(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
    }

    private void readFile(Path f) {
        try (Reader r = Files.newBufferedReader(f)) {
            read(r, f.toString());
        } catch (IOException e) {
            throw new ManifestException(f + ": cannot read: " + e.getMessage(), e);
        }
    }

    public ManifestReader read(InputStream in, String source) {
        return read(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8), source);
    }

    public ManifestReader read(String yaml, String source) {
        return read(new StringReader(yaml), source);
    }

    public ManifestReader read(Reader reader, String source) {
        YamlDocuments.read(reader, source, (doc, node) -> {
            if (node != null && !(node.isObject() && node.isEmpty())) {
                add(node, source, "document " + doc);
            }
        });
        return this;
    }

    private void add(JsonNode node, String source, String where) {
        if (!node.isObject()) {
            throw new ManifestException(source + ": " + where + " is not a Kubernetes object (expected a mapping with kind)");
        }
        String kind = node.path("kind").asText("");
        String name = node.path("metadata").path("name").asText("");
        String ns = node.path("metadata").path("namespace").asText("");
        String label = kind.isEmpty() ? where : kind + " " + (ns.isEmpty() ? "" : ns + "/") + (name.isEmpty() ? "(no name)" : name);
        if (kind.isEmpty()) {
            throw new ManifestException(source + ": " + where + " has no kind");
        }
        if (kind.equals("List") || kind.endsWith("List") && node.has("items")) {
            int i = 0;
            for (JsonNode item : node.path("items")) {
                add(item, source, where + " item " + (++i));
            }
            return;
        }
        String apiVersion = node.path("apiVersion").asText("");
        boolean nativeGroup = kind.equals("PodGroup") && apiVersion.startsWith("scheduling.k8s.io/");
        boolean workload = dev.phalanx.core.workload.WorkloadExpander.expands(apiVersion, kind);
        Class<? extends HasMetadata> dra = DraObjects.typeOf(apiVersion, kind);
        if (dra == null) {
            dra = VolumeObjects.typeOf(apiVersion, kind);
        }
        if (!nativeGroup && !workload && dra == null) {
            if (!KINDS.contains(kind)) {
                skip(kind, apiVersion, "a kind the simulator does not model");
                return;
            }
            if (!apiVersion.isEmpty() && !readsAs(kind, apiVersion)) {
                skip(kind, apiVersion, kind.equals("Queue") || kind.equals("PodGroup")
                        ? "not Phalanx's " + kind + ", which is " + PHALANX_API_VERSION
                        : "not the " + kind + " of the Kubernetes API the simulator reads");
                return;
            }
        }
        if (name.isEmpty()) {
            throw new ManifestException(source + ": " + where + " (" + kind + ") has no metadata.name");
        }
        if (!seen.add(apiVersion + "/" + kind + "/" + (ns.isEmpty() && namespaced(kind) ? "default" : ns) + "/" + name)) {
            throw new ManifestException(source + ": " + label + " is defined twice");
        }
        if (!nativeGroup && (kind.equals("Queue") || kind.equals("PodGroup"))) {
            // refused as the API server refuses them under kubectl's default strict field validation
            List<String> unknown = StrictFields.unknown(node, kind.equals("Queue") ? Queue.class : PodGroup.class);
            if (!unknown.isEmpty()) {
                throw new ManifestException(source + ": " + label + ": strict decoding error: "
                        + String.join(", ", unknown.stream().map(f -> "unknown field \"" + f + "\"").toList()));
            }
        }
        try {
            if (dra != null) {
                out.resources().add(new Manifests.Sourced<>(sourced(node, dra, source).object(), source));
                return;
            }
            if (nativeGroup || workload) {
                var generic = sourced(node, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class, source);
                if (generic.object().getMetadata().getNamespace() == null) {
                    generic.object().getMetadata().setNamespace("default");
                }
                (nativeGroup ? out.nativePodGroups() : out.workloads()).add(generic);
                return;
            }
            switch (kind) {
                case "Node" -> out.nodes().add(sourced(node, Node.class, source));
                case "Namespace" -> out.namespaces().add(sourced(node, Namespace.class, source));
                case "Queue" -> out.queues().add(sourced(node, Queue.class, source));
                case "PodGroup" -> out.podGroups().add(sourced(node, PodGroup.class, source));
                case "Pod" -> out.pods().add(sourced(node, Pod.class, source));
                case "PriorityClass" -> out.priorityClasses().add(sourced(node, PriorityClass.class, source));
                default -> throw new ManifestException(source + ": " + label + ": apiVersion " + apiVersion + " of " + kind
                        + " is not one the simulator reads");
            }
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ManifestException(source + ": " + label + ": " + rootMessage(e), e);
        }
    }

    /** Whether an object of {@code kind} written with {@code apiVersion} is the kind the simulator models. */
    private static boolean readsAs(String kind, String apiVersion) {
        return switch (kind) {
            case "Queue", "PodGroup" -> apiVersion.equals(PHALANX_API_VERSION);
            // v1beta1 and v1alpha1 PriorityClasses had the same fields as v1
            case "PriorityClass" -> apiVersion.startsWith("scheduling.k8s.io/");
            default -> apiVersion.equals("v1");
        };
    }

    private void skip(String kind, String apiVersion, String why) {
        String v = apiVersion.isEmpty() ? "no apiVersion" : apiVersion;
        skipped.merge(kind + " " + v, new Skipped(kind, v, 1, why),
                (a, b) -> new Skipped(a.kind(), a.apiVersion(), a.count() + 1, a.why()));
    }

    /** What was skipped, one entry per kind and apiVersion, in the order first seen. */
    public List<Skipped> skipped() {
        return List.copyOf(skipped.values());
    }

    private static boolean namespaced(String kind) {
        return !kind.equals("Node") && !kind.equals("Namespace") && !kind.equals("Queue") && !kind.equals("PriorityClass")
                && !kind.equals("DeviceClass") && !kind.equals("ResourceSlice");
    }

    private static <T extends HasMetadata> Manifests.Sourced<T> sourced(JsonNode node, Class<T> type, String source)
            throws JsonProcessingException {
        T obj = YAML.treeToValue(node, type);
        if (namespaced(obj.getKind() == null ? type.getSimpleName() : obj.getKind()) && obj.getMetadata().getNamespace() == null) {
            obj.getMetadata().setNamespace("default");
        }
        return new Manifests.Sourced<>(obj, source);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        int cut = m.indexOf("\n at [Source");
        return (cut > 0 ? m.substring(0, cut) : m).replace('\n', ' ').trim();
    }

    public Manifests manifests() {
        return out;
    }
}
