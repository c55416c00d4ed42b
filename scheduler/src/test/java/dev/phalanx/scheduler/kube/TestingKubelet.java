package dev.phalanx.scheduler.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Plays the kubelet's part where a test needs it, since no kubelet runs beside the test API server:
 * bound pods become Running. (A tiny stand-in controller, not a fake API server.)
 */
public final class TestingKubelet {
    private TestingKubelet() {
    }

    /**
     * Makes every node Ready, as a kubelet's heartbeat and the node lifecycle controller would: the API
     * server taints a new node {@code node.kubernetes.io/not-ready:NoSchedule} until then.
     */
    public static void readyNodes(KubernetesClient client) {
        for (Node n : client.nodes().list().getItems()) {
            readyNode(client, n.getMetadata().getName());
        }
    }

    /** Makes one node Ready, as {@link #readyNodes} does for all. */
    public static void readyNode(KubernetesClient client, String name) {
        client.nodes().withName(name).edit(node -> {
            if (node.getSpec() != null && node.getSpec().getTaints() != null) {
                node.getSpec().setTaints(node.getSpec().getTaints().stream()
                        .filter(t -> !t.getKey().startsWith("node.kubernetes.io/")).toList());
            }
            return node;
        });
        client.nodes().withName(name).editStatus(node -> {
            node.getStatus().setConditions(List.of(new NodeConditionBuilder().withType("Ready").withStatus("True")
                    .withReason("KubeletReady").withMessage("kubelet is posting ready status").build()));
            return node;
        });
    }

    /** Marks every bound, not yet running pod of {@code namespace} Running; returns how many. */
    public static int startBoundPods(KubernetesClient client, String namespace) {
        int n = 0;
        for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
            boolean bound = p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty();
            boolean running = p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
            if (bound && !running) {
                p.setStatus(new PodStatusBuilder().withPhase("Running").build());
                client.pods().inNamespace(namespace).resource(p).updateStatus();
                n++;
            }
        }
        return n;
    }

    /**
     * Ends the graceful deletions in {@code namespace} as a kubelet does once the containers stopped:
     * every pod with a deletion timestamp is removed; returns how many.
     */
    public static int finishDeletions(KubernetesClient client, String namespace) {
        int n = 0;
        for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
            if (p.getMetadata().getDeletionTimestamp() != null) {
                client.pods().inNamespace(namespace).withName(p.getMetadata().getName()).withGracePeriod(0).delete();
                n++;
            }
        }
        return n;
    }
}
