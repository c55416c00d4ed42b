package dev.phalanx.scheduler.live;

import dev.phalanx.core.cycle.Binding;
import dev.phalanx.core.dra.ClaimInfo;
import io.fabric8.kubernetes.api.model.NodeSelectorBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.AllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAllocationConfiguration;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimConsumerReference;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.List;

import java.util.function.Function;

/**
 * Writes a pod's ResourceClaims before its binding, as kube-scheduler's DRA plugin does: a claim not allocated yet
 * gets the delete-protection finalizer, then its {@code status.allocation} (the devices, the node they are on, and
 * the class's and claim's device configuration for the driver); every claim is then reserved for the pod in
 * {@code status.reservedFor}. Writes carry the resourceVersion read, so two writers never overwrite each other; a
 * conflict is read again and retried. A claim already allocated to other devices than the cycle chose fails the
 * pod's binding (the next cycle sees the truth). {@link #release} undoes it all for a pod whose binding failed.
 */
final class ClaimWriter {
    /** The finalizer kube-scheduler puts on a claim it allocates, so it is not deleted while allocated. */
    static final String FINALIZER = "resource.kubernetes.io/delete-protection";
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final ClusterCache cache;
    private final Function<String, DeviceClass> classes;

    ClaimWriter(KubernetesClient client, ClusterCache cache, Function<String, DeviceClass> classes) {
        this.client = client;
        this.cache = cache;
        this.classes = classes;
    }

    /** Why a claim (a ResourceClaim, or a PersistentVolumeClaim or its volume) could not be written for a pod. */
    static final class ClaimException extends RuntimeException {
        final int code;

        ClaimException(String message, int code) {
            super(message);
            this.code = code;
        }
    }

    /** A claim written for a pod: whether this write allocated it (and so must deallocate it on undo). */
    record Written(ClaimInfo claim, boolean allocatedHere) {
    }

    /** Allocates and reserves every claim of {@code b} for its pod; on failure, undoes what it wrote and throws. */
    List<Written> reserve(Binding b, String podUid) {
        List<Written> done = new ArrayList<>();
        try {
            for (ClaimInfo c : b.claims()) {
                done.add(reserveOne(c, b, podUid));
            }
            return done;
        } catch (RuntimeException e) {
            release(b, done);
            throw e;
        }
    }

    private Written reserveOne(ClaimInfo want, Binding b, String podUid) {
        ResourceClaim current = cache.claimObject(want.key());
        for (int attempt = 1; ; attempt++) {
            if (current == null) {
                current = get(want);
            }
            if (current == null) {
                throw new ClaimException("ResourceClaim " + want.key() + " does not exist", 404);
            }
            try {
                ResourceClaimStatus status = current.getStatus() == null ? new ResourceClaimStatus() : current.getStatus();
                boolean allocate = status.getAllocation() == null;
                if (!allocate && !sameDevices(status.getAllocation(), want)) {
                    throw new ClaimException("ResourceClaim " + want.key() + " was allocated to other devices meanwhile", 409);
                }
                if (allocate && (current.getMetadata().getFinalizers() == null
                        || !current.getMetadata().getFinalizers().contains(FINALIZER))) {
                    List<String> fin = new ArrayList<>(current.getMetadata().getFinalizers() == null ? List.of()
                            : current.getMetadata().getFinalizers());
                    fin.add(FINALIZER);
                    current.getMetadata().setFinalizers(fin);
                    current = client.resources(ResourceClaim.class).inNamespace(want.namespace()).resource(current).update();
                    status = current.getStatus() == null ? new ResourceClaimStatus() : current.getStatus();
                }
                if (allocate) {
                    status.setAllocation(allocation(want, current));
                }
                List<ResourceClaimConsumerReference> reserved = new ArrayList<>(status.getReservedFor() == null ? List.of()
                        : status.getReservedFor());
                if (reserved.stream().noneMatch(r -> b.pod().equals(r.getName()) && "pods".equals(r.getResource()))) {
                    reserved.add(new ResourceClaimConsumerReference("", b.pod(), "pods", podUid));
                }
                status.setReservedFor(reserved);
                current.setStatus(status);
                client.resources(ResourceClaim.class).inNamespace(want.namespace()).resource(current).updateStatus();
                return new Written(want, allocate);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw new ClaimException("writing ResourceClaim " + want.key() + " failed: HTTP " + e.getCode() + " "
                            + (e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage()), e.getCode());
                }
                current = null; // read it again: someone wrote it meanwhile
            }
        }
    }

    private ResourceClaim get(ClaimInfo c) {
        return client.resources(ResourceClaim.class).inNamespace(c.namespace()).withName(c.name()).get();
    }

    private static boolean sameDevices(AllocationResult a, ClaimInfo want) {
        if (a.getDevices() == null || a.getDevices().getResults() == null) {
            return want.allocated().isEmpty();
        }
        List<String> have = a.getDevices().getResults().stream()
                .map(r -> r.getRequest() + "/" + r.getDriver() + "/" + r.getPool() + "/" + r.getDevice()).sorted().toList();
        List<String> mine = want.allocated().stream().map(x -> x.request() + "/" + x.device().driver() + "/"
                + x.device().pool() + "/" + x.device().device()).sorted().toList();
        return have.equals(mine);
    }

    /** The allocation for {@code want}: its devices, its node, and the configuration the driver reads. */
    private AllocationResult allocation(ClaimInfo want, ResourceClaim claim) {
        List<DeviceRequestAllocationResult> results = new ArrayList<>();
        for (ClaimInfo.Allocated a : want.allocated()) {
            DeviceRequestAllocationResult r = new DeviceRequestAllocationResult();
            r.setRequest(a.request());
            r.setDriver(a.device().driver());
            r.setPool(a.device().pool());
            r.setDevice(a.device().device());
            results.add(r);
        }
        List<DeviceAllocationConfiguration> config = new ArrayList<>();
        if (claim.getSpec() != null && claim.getSpec().getDevices() != null) {
            var devices = claim.getSpec().getDevices();
            for (var r : devices.getRequests() == null ? List.<io.fabric8.kubernetes.api.model.resource.v1.DeviceRequest>of()
                    : devices.getRequests()) {
                DeviceClass c = r.getExactly() == null ? null : classes.apply(r.getExactly().getDeviceClassName());
                if (c != null && c.getSpec() != null && c.getSpec().getConfig() != null) {
                    c.getSpec().getConfig().forEach(cc -> config.add(new DeviceAllocationConfiguration(cc.getOpaque(),
                            List.of(r.getName()), "FromClass")));
                }
            }
            if (devices.getConfig() != null) {
                devices.getConfig().forEach(cc -> config.add(new DeviceAllocationConfiguration(cc.getOpaque(),
                        cc.getRequests(), "FromClaim")));
            }
        }
        AllocationResult out = new AllocationResult();
        out.setDevices(new DeviceAllocationResult(config, results));
        if (want.allocatedNode() != null) {
            out.setNodeSelector(new NodeSelectorBuilder().addNewNodeSelectorTerm().addNewMatchField().withKey("metadata.name")
                    .withOperator("In").withValues(want.allocatedNode()).endMatchField().endNodeSelectorTerm().build());
        }
        return out;
    }

    /**
     * Undoes {@link #reserve} for a pod whose binding failed: it is no longer a consumer of its claims, and a claim it
     * allocated that nobody else uses is deallocated (its finalizer removed), so its devices are free again.
     */
    void release(Binding b, List<Written> done) {
        for (Written w : done) {
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                ResourceClaim current = get(w.claim());
                if (current == null || current.getStatus() == null) {
                    break;
                }
                try {
                    ResourceClaimStatus status = current.getStatus();
                    List<ResourceClaimConsumerReference> reserved = new ArrayList<>(status.getReservedFor() == null ? List.of()
                            : status.getReservedFor());
                    reserved.removeIf(r -> b.pod().equals(r.getName()) && "pods".equals(r.getResource()));
                    status.setReservedFor(reserved.isEmpty() ? null : reserved);
                    boolean deallocate = w.allocatedHere() && reserved.isEmpty();
                    if (deallocate) {
                        status.setAllocation(null);
                    }
                    current.setStatus(status);
                    current = client.resources(ResourceClaim.class).inNamespace(w.claim().namespace()).resource(current)
                            .updateStatus();
                    if (deallocate && current.getMetadata().getFinalizers() != null
                            && current.getMetadata().getFinalizers().contains(FINALIZER)) {
                        List<String> fin = new ArrayList<>(current.getMetadata().getFinalizers());
                        fin.remove(FINALIZER);
                        current.getMetadata().setFinalizers(fin);
                        client.resources(ResourceClaim.class).inNamespace(w.claim().namespace()).resource(current).update();
                    }
                    break;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        break; // the resourceclaim controller cleans up after pods that are gone
                    }
                }
            }
        }
    }

}
