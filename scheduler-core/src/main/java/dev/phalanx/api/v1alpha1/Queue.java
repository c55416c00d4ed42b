package dev.phalanx.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A team's share of the cluster, in a tree of queues. Cluster-scoped. */
@Group(Queue.GROUP)
@Version(Queue.VERSION)
@Kind("Queue")
@Plural("queues")
@Singular("queue")
@ShortNames("pq")
@AdditionalPrinterColumn(name = "Parent", jsonPath = ".spec.parent", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Priority", jsonPath = ".spec.priority", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "GPU Quota", jsonPath = ".spec.resources.nvidia\\.com/gpu.quota", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "GPU Fair Share", jsonPath = ".status.fairShare.nvidia\\.com/gpu", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "GPU Allocated", jsonPath = ".status.allocated.nvidia\\.com/gpu", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "GPU Decayed Usage", jsonPath = ".status.decayedUsage.nvidia\\.com/gpu", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "GPU Weight", jsonPath = ".status.effectiveWeight.nvidia\\.com/gpu", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Queue extends CustomResource<QueueSpec, QueueStatus> {
    public static final String GROUP = "scheduling.phalanx.dev";
    public static final String VERSION = "v1alpha1";

    @Override
    protected QueueSpec initSpec() {
        return new QueueSpec();
    }
}
