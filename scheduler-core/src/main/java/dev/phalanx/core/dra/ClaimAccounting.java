package dev.phalanx.core.dra;

import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodConstraints;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.Problem;
import dev.phalanx.core.model.Resources;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What DRA adds to a snapshot's nodes and pods. A node offers, on top of its allocatable, one unit of a class's
 * counted resource (e.g. nvidia.com/gpu) per device of that class attached to it ({@link NodeInfo#claimable}); a
 * pod asks, on top of its containers, for the devices its claims request, counted the same way
 * ({@link PodInfo#claimed}), so quotas, fair share and topology count GPUs given through claims as they count any
 * other. A claim several pods share is counted once, on the first of them. A request for {@code All} devices
 * counts, before it is allocated, as the most matching devices one node has.
 *
 * <p>A pod whose claim is not there yet (the resourceclaim controller has not made it from its template), does
 * not exist, or cannot be honoured, is held back with the reason; an invalid claim is also reported.
 */
public final class ClaimAccounting {
    /** {@code inComputeDomain}: the pods (keys) one of whose claims is for a ComputeDomain's channel. */
    public record Result(List<NodeInfo> nodes, List<PodInfo> pods, List<Problem> problems, Set<String> inComputeDomain) {
    }

    private ClaimAccounting() {
    }

    public static Result apply(DraState dra, List<NodeInfo> nodes, List<PodInfo> pods) {
        boolean anyClaims = pods.stream().anyMatch(p -> !p.constraints().claims().isEmpty());
        if (dra.devices().isEmpty() && !anyClaims) {
            return new Result(nodes, pods, List.of(), Set.of());
        }
        DeviceAllocator allocator = dra.allocator();
        Map<Device.Id, String> countsAs = countedDevices(dra, allocator);
        List<NodeInfo> outNodes = new ArrayList<>(nodes.size());
        Map<String, Map<String, Long>> perNode = new HashMap<>();
        for (Device d : dra.devices()) {
            String counted = countsAs.get(d.id());
            if (counted != null && d.node() != null) {
                perNode.computeIfAbsent(d.node(), k -> new TreeMap<>()).merge(counted, 1000L, Long::sum);
            }
        }
        for (NodeInfo n : nodes) {
            Map<String, Long> extra = perNode.get(n.name());
            outNodes.add(extra == null && n.claimable().isEmpty() ? n
                    : n.withClaimable(extra == null ? Resources.NONE : Resources.ofMilli(extra)));
        }
        if (!anyClaims) {
            return new Result(outNodes, pods, List.of(), Set.of());
        }
        List<Problem> problems = new ArrayList<>();
        Set<String> reported = new HashSet<>();
        Set<String> counted = new HashSet<>();
        Set<String> inComputeDomain = new HashSet<>();
        Map<ClaimInfo.Request, Long> allEstimate = new HashMap<>();
        List<PodInfo> sorted = new ArrayList<>(pods);
        sorted.sort(java.util.Comparator.comparing(PodInfo::key));
        Map<String, PodInfo> changed = new LinkedHashMap<>();
        for (PodInfo p : sorted) {
            if (p.constraints().claims().isEmpty()) {
                continue;
            }
            PodInfo.Hold hold = null;
            Map<String, Long> claimed = new TreeMap<>();
            for (PodConstraints.PodClaim pc : p.constraints().claims()) {
                if (pc.claim() == null) {
                    String t = p.namespace() + "/" + pc.template();
                    hold = hold != null ? hold : new PodInfo.Hold("ClaimPending", dra.templates().containsKey(t)
                            ? "the ResourceClaim for its claim " + pc.name() + " has not been made from ResourceClaimTemplate "
                            + pc.template() + " yet"
                            : "its claim " + pc.name() + " is to be made from ResourceClaimTemplate " + pc.template()
                            + ", which does not exist");
                    continue;
                }
                ClaimInfo claim = dra.claims().get(p.namespace() + "/" + pc.claim());
                if (claim == null) {
                    hold = hold != null ? hold : new PodInfo.Hold("ClaimPending", "ResourceClaim " + pc.claim()
                            + " (its claim " + pc.name() + ") does not exist");
                    continue;
                }
                String invalid = claim.invalidReason() != null ? claim.invalidReason() : allocator.invalid(claim);
                if (invalid != null) {
                    hold = hold != null ? hold : new PodInfo.Hold("ClaimInvalid", "ResourceClaim " + claim.name()
                            + " cannot be allocated: " + invalid);
                    if (reported.add(claim.key())) {
                        problems.add(new Problem("ResourceClaim", claim.namespace(), claim.name(), invalid));
                    }
                    continue;
                }
                if (claim.computeDomain() != null) {
                    inComputeDomain.add(p.key());
                }
                if (counted.add(claim.key())) {
                    count(claim, dra, allocator, nodes, allEstimate, claimed);
                }
            }
            PodInfo out = p.withClaimed(Resources.ofMilli(claimed));
            if (hold != null && p.isPending()) {
                out = out.withHold(hold);
            }
            changed.put(p.key(), out);
        }
        List<PodInfo> outPods = new ArrayList<>(pods.size());
        for (PodInfo p : pods) {
            outPods.add(changed.getOrDefault(p.key(), p));
        }
        return new Result(outNodes, outPods, problems, inComputeDomain);
    }

    /** Every device some class with a counted resource selects, and that resource (the first such class by name). */
    private static Map<Device.Id, String> countedDevices(DraState dra, DeviceAllocator allocator) {
        Map<Device.Id, String> out = new HashMap<>();
        for (Device d : dra.devices()) {
            for (DeviceClassInfo c : dra.classes().values()) {
                if (c.countsAs() != null && allocator.inClass(c, d)) {
                    out.put(d.id(), c.countsAs());
                    break;
                }
            }
        }
        return out;
    }

    private static void count(ClaimInfo claim, DraState dra, DeviceAllocator allocator, List<NodeInfo> nodes,
                              Map<ClaimInfo.Request, Long> allEstimate, Map<String, Long> claimed) {
        Map<String, ClaimInfo.Request> byName = new HashMap<>();
        claim.requests().forEach(r -> byName.put(r.name(), r));
        if (claim.isAllocated()) {
            for (ClaimInfo.Allocated a : claim.allocated()) {
                ClaimInfo.Request r = byName.get(a.request());
                String as = r == null ? null : countsAs(dra, r);
                if (as != null) {
                    claimed.merge(as, 1000L, Long::sum);
                }
            }
            return;
        }
        for (ClaimInfo.Request r : claim.requests()) {
            String as = countsAs(dra, r);
            if (as == null) {
                continue;
            }
            long n = r.all() ? allEstimate.computeIfAbsent(r, x -> mostMatchingOnOneNode(x, dra, allocator, nodes)) : r.count();
            claimed.merge(as, n * 1000L, Long::sum);
        }
    }

    private static String countsAs(DraState dra, ClaimInfo.Request r) {
        DeviceClassInfo c = dra.classes().get(r.deviceClassName());
        return c == null ? null : c.countsAs();
    }

    private static long mostMatchingOnOneNode(ClaimInfo.Request r, DraState dra, DeviceAllocator allocator, List<NodeInfo> nodes) {
        Map<String, Long> perNode = new HashMap<>();
        for (Device d : dra.devices()) {
            if (d.node() != null && allocator.matches(r, d)) {
                perNode.merge(d.node(), 1L, Long::sum);
            }
        }
        return perNode.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
