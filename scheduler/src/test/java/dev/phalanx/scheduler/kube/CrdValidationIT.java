package dev.phalanx.scheduler.kube;

import dev.phalanx.api.v1alpha1.PodGroup;
import dev.phalanx.api.v1alpha1.PodGroupStatus;
import dev.phalanx.api.v1alpha1.Queue;
import dev.phalanx.api.v1alpha1.QueueStatus;
import dev.phalanx.core.model.Keys;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static dev.phalanx.testing.Testing.namespace;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generated CRDs on a real API server: they become Established and refuse bad objects with a clear message. */
@Tag("kube")
class CrdValidationIT {
    static KubernetesClient client;

    @BeforeAll
    static void start() {
        client = TestControlPlane.get().newClient();
        client.resource(namespace("crd-validation")).serverSideApply();
    }

    @AfterAll
    static void close() {
        client.close();
    }

    private static String refusal(Runnable create) {
        try {
            create.run();
        } catch (KubernetesClientException e) {
            assertThat(e.getCode()).isEqualTo(422);
            return e.getMessage();
        }
        throw new AssertionError("the API server accepted it");
    }

    /**
     * Server-side apply stores a map it emptied of the keys a manager applied before as null
     * (kubernetes/kubernetes#104694); a status map that may not be null would make every later status
     * write of a queue whose gangs are all gone fail.
     */
    private static final PatchContext STATUS_APPLY =
            new PatchContext.Builder()
                    .withPatchType(PatchType.SERVER_SIDE_APPLY)
                    .withFieldManager("status-writer").withForce(true).build();

    @Test
    void statusMapsMayBeEmptiedByServerSideApply() {
        client.resource(queue("emptied-q").gpu("8", 1, null).build()).create();
        Queue patch = queue("emptied-q").build();
        patch.setSpec(null);
        QueueStatus status = new QueueStatus();
        status.setAllocated(new TreeMap<>(Map.of("nvidia.com/gpu", "4")));
        status.setRequested(new TreeMap<>(Map.of("nvidia.com/gpu", "4")));
        status.setPodGroups(new TreeMap<>(Map.of("Running", 1)));
        patch.setStatus(status);
        client.resource(patch).subresource("status").patch(STATUS_APPLY);

        patch.setStatus(new QueueStatus());
        client.resource(patch).subresource("status").patch(STATUS_APPLY);

        QueueStatus now = client.resources(Queue.class).withName("emptied-q")
                .get().getStatus();
        assertThat(now.getAllocated() == null ? Map.of() : now.getAllocated()).isEmpty();
        assertThat(now.getPodGroups() == null ? Map.of() : now.getPodGroups()).isEmpty();
    }

    /**
     * The same for a PodGroup's placement, emptied when its members are gone.
     */
    @Test
    void podGroupPlacementMayBeEmptiedByServerSideApply() {
        client.resource(namespace("emptied-ns")).create();
        client.resource(podGroup("emptied-ns", "g", 1).build()).create();
        PodGroup patch = podGroup("emptied-ns", "g", 1).build();
        patch.setSpec(null);
        PodGroupStatus status = new PodGroupStatus();
        status.setPlacement(new TreeMap<>(Map.of("node-1", "1")));
        patch.setStatus(status);
        client.resource(patch).subresource("status").patch(STATUS_APPLY);

        patch.setStatus(new PodGroupStatus());
        client.resource(patch).subresource("status").patch(STATUS_APPLY);

        PodGroupStatus now = client.resources(PodGroup.class)
                .inNamespace("emptied-ns").withName("g").get().getStatus();
        assertThat(now.getPlacement() == null ? Map.of() : now.getPlacement()).isEmpty();
    }

    @Test
    void subGroupsAndSegmentsAsDeclaredAreAccepted() {
        client.resource(podGroup("crd-validation", "tree", 17).subGroup("router", null, 1, null, null)
                .subGroup("decode", null, null, 2, null).subGroup("d0", "decode", 8, null, Keys.CLIQUE_LABEL)
                .subGroup("d1", "decode", 8, null, Keys.CLIQUE_LABEL).minSubGroups(2).build()).create();
        client.resource(podGroup("crd-validation", "segments", 36).required(Keys.SPINE_LABEL)
                .segments(18, Keys.CLIQUE_LABEL).build()).create();
        PodGroup read = client.resources(PodGroup.class).inNamespace("crd-validation").withName("segments").get();
        assertThat(read.getSpec().getTopology().getSegmentSize()).isEqualTo(18);
        assertThat(client.resources(PodGroup.class).inNamespace("crd-validation").withName("tree").get().getSpec()
                .getSubGroups()).hasSize(4);
    }

    @Test
    void aSubGroupTreeWithAnUnknownParentALoopOrALeafWithoutMinimumIsRefused() {
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "orphan", 2)
                .subGroup("a", "nowhere", 2, null, null).build()).create()))
                .contains("a subgroup's parent must be a subgroup in spec.subGroups");
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "loop", 2)
                .subGroup("a", "b", null, null, null).subGroup("b", "a", 2, null, null).build()).create()))
                .contains("subgroups nest at most three deep");
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "self", 2)
                .subGroup("a", "a", 2, null, null).build()).create()))
                .contains("subgroups nest at most three deep");
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "deep", 2)
                .subGroup("a", null, null, null, null).subGroup("b", "a", null, null, null)
                .subGroup("c", "b", null, null, null).subGroup("d", "c", 2, null, null).build()).create()))
                .contains("subgroups nest at most three deep");
        client.resource(podGroup("crd-validation", "three-deep", 2).subGroup("c", "b", 2, null, null)
                .subGroup("a", null, null, null, null).subGroup("b", "a", null, null, null).build()).create();
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "no-min", 2)
                .subGroup("a", null, null, null, null).build()).create()))
                .contains("a subgroup without child subgroups needs minMember");
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "twice", 2)
                .subGroup("a", null, 1, null, null).subGroup("a", null, 1, null, null).build()).create()))
                .contains("each subgroup's name is given once");
    }

    @Test
    void segmentsWithoutTheirKeyOrBesideSubGroupsAreRefused() {
        PodGroup noKey = podGroup("crd-validation", "seg-no-key", 4).build();
        noKey.getSpec().setTopology(new dev.phalanx.api.v1alpha1.TopologySpec());
        noKey.getSpec().getTopology().setSegmentSize(2);
        assertThat(refusal(() -> client.resource(noKey).create())).contains("segmentSize and segmentRequired go together");
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "seg-and-tree", 4)
                .segments(2, Keys.CLIQUE_LABEL).subGroup("a", null, 4, null, null).build()).create()))
                .contains("spec.subGroups and spec.topology.segmentSize cannot both be set");
    }

    @Test
    void validQueuesAndPodGroupsAreAccepted() {
        client.resource(queue("valid-q").gpu("16", 2, "64").resource("memory", "1Ti", 1, "-1").build()).create();
        client.resource(queue("valid-child").parent("valid-q").gpu("500m", 0, "-1").build()).create();
        PodGroup pg = podGroup("crd-validation", "ok", 16).queue("valid-q").required(Keys.CLIQUE_LABEL)
                .preferred(Keys.RACK_LABEL).build();
        client.resource(pg).create();
        assertThat(client.resources(PodGroup.class).inNamespace("crd-validation").withName("ok").get().getSpec().getMinMember()).isEqualTo(16);
    }

    /** A Queue as a user writes it in YAML, where {@code quota: 16} is an integer. */
    private static GenericKubernetesResource rawQueue(String name, Object share) {
        GenericKubernetesResource raw = client.getKubernetesSerialization().convertValue(queue(name).build(),
                GenericKubernetesResource.class);
        raw.setAdditionalProperty("spec", Map.of("resources", Map.of("nvidia.com/gpu", share)));
        return raw;
    }

    @Test
    void anIntegerLimitBelowAnIntegerQuotaIsRefused() {
        assertThat(refusal(() -> client.resource(rawQueue("low-limit", Map.of("quota", 16, "limit", 8))).create()))
                .contains("limit must be -1 (no limit) or at least quota");
        client.resource(rawQueue("no-limit", Map.of("quota", 16, "limit", -1))).create();
    }

    @Test
    void aLimitThatIsNeitherMinusOneNorAQuantityIsRefused() {
        assertThat(refusal(() -> client.resource(rawQueue("limit-minus-two", Map.of("limit", -2))).create()))
                .contains("spec.resources.nvidia.com/gpu.limit");
        assertThat(refusal(() -> client.resource(rawQueue("limit-words", Map.of("limit", "plenty"))).create()))
                .contains("spec.resources.nvidia.com/gpu.limit").contains("should match");
    }

    @Test
    void aNegativeQuotaIsRefusedAsStringOrInteger() {
        assertThat(refusal(() -> client.resource(queue("neg").gpu("-2", 1, "-1").build()).create()))
                .contains("spec.resources.nvidia.com/gpu.quota");
        assertThat(refusal(() -> client.resource(queue("neg-str").gpu("-500m", 1, "-1").build()).create()))
                .contains("spec.resources.nvidia.com/gpu.quota");
    }

    @Test
    void aQuantityThatDoesNotParseIsRefused() {
        assertThat(refusal(() -> client.resource(rawQueue("words", Map.of("quota", "sixteen"))).create())).contains("spec.resources.nvidia.com/gpu.quota")
                .contains("should match");
    }

    @Test
    void aNegativeOverQuotaWeightIsRefused() {
        assertThat(refusal(() -> client.resource(queue("neg-weight").gpu("1", -1, "-1").build()).create()))
                .contains("overQuotaWeight").contains("should be greater than or equal to 0");
    }

    @Test
    void minMemberBelowOneIsRefused() {
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "zero", 0).build()).create()))
                .contains("spec.minMember").contains("should be greater than or equal to 1");
    }

    @Test
    void aMissingMinMemberIsRefused() {
        PodGroup pg = podGroup("crd-validation", "none", 1).build();
        pg.getSpec().setMinMember(null);
        assertThat(refusal(() -> client.resource(pg).create())).contains("spec.minMember: Required value");
    }

    @Test
    void aTopologyKeyThatIsNotALabelKeyIsRefused() {
        assertThat(refusal(() -> client.resource(podGroup("crd-validation", "bad-key", 2).required("not a label key!").build()).create()))
                .contains("spec.topology.required");
    }
}
