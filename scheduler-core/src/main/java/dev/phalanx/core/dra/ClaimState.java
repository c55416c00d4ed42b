package dev.phalanx.core.dra;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodConstraints;
import dev.phalanx.core.model.PodInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which devices are in use and which claims are allocated during one cycle, so no device is handed out twice
 * (invariant 1 for devices): built from the claims' status (the truth, also across restarts), then changed as the
 * cycle assumes placements. A pod fits a node only if each of its claims is either allocated to devices that node
 * may use, or can be allocated there now, all of its claims at once on distinct devices.
 *
 * <p>NVIDIA ComputeDomains: the pods of one ComputeDomain stay in one {@value Keys#CLIQUE_LABEL} (its IMEX
 * channels do not reach further), and a clique serves one ComputeDomain at a time: two ComputeDomains' IMEX
 * daemon ensembles on one NVLink fabric conflict (kubernetes-sigs/dra-driver-nvidia-gpu#892). A node without the
 * clique label is a clique of its own.
 */
public final class ClaimState {
    private final DraState dra;
    private final DeviceAllocator allocator;
    private final Map<String, List<Device>> attached = new HashMap<>();
    private final List<Device> floating = new ArrayList<>();
    private final Set<Device.Id> inUse;
    private final Map<String, ClaimInfo> claims;
    private final Map<String, Set<String>> consumers;
    private final Map<String, List<String>> allocatedBy;
    private final Map<String, String> cliqueOfDomain;
    private final Map<String, Map<String, Integer>> domainPods; // clique -> computeDomain -> pods using it there

    public ClaimState(DraState dra, List<NodeInfo> nodes, List<PodInfo> pods) {
        this.dra = dra;
        this.allocator = dra.allocator();
        for (Device d : dra.devices()) {
            if (d.node() != null) {
                attached.computeIfAbsent(d.node(), k -> new ArrayList<>()).add(d);
            } else {
                floating.add(d);
            }
        }
        this.inUse = new HashSet<>();
        this.claims = new LinkedHashMap<>(dra.claims());
        this.consumers = new HashMap<>();
        this.allocatedBy = new HashMap<>();
        this.cliqueOfDomain = new HashMap<>();
        this.domainPods = new HashMap<>();
        for (ClaimInfo c : dra.claims().values()) {
            c.allocated().forEach(a -> inUse.add(a.device()));
            consumers.put(c.key(), new TreeSet<>(c.reservedFor()));
        }
        Map<String, NodeInfo> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        for (PodInfo p : pods) {
            NodeInfo n = p.nodeName() == null ? null : byName.get(p.nodeName());
            if (n != null && p.phase().holdsResources()) {
                String domain = computeDomain(p);
                if (domain != null) {
                    joinDomain(domain, n, 1);
                }
            }
        }
    }

    private ClaimState(ClaimState o) {
        this.dra = o.dra;
        this.allocator = o.allocator;
        this.attached.putAll(o.attached);
        this.floating.addAll(o.floating);
        this.inUse = new HashSet<>(o.inUse);
        this.claims = new LinkedHashMap<>(o.claims);
        this.consumers = new HashMap<>();
        o.consumers.forEach((k, v) -> consumers.put(k, new TreeSet<>(v)));
        this.allocatedBy = new HashMap<>();
        o.allocatedBy.forEach((k, v) -> allocatedBy.put(k, new ArrayList<>(v)));
        this.cliqueOfDomain = new HashMap<>(o.cliqueOfDomain);
        this.domainPods = new HashMap<>();
        o.domainPods.forEach((k, v) -> domainPods.put(k, new HashMap<>(v)));
    }

    public ClaimState copy() {
        return new ClaimState(this);
    }

    /** The same devices with nothing allocated: what could be had if every pod left. */
    public ClaimState empty() {
        ClaimState e = copy();
        e.inUse.clear();
        e.claims.replaceAll((k, c) -> c.withAllocation(List.of(), null));
        e.cliqueOfDomain.clear();
        e.domainPods.clear();
        return e;
    }

    /** The ComputeDomain whose channel one of {@code pod}'s claims is for, or null. */
    public String computeDomain(PodInfo pod) {
        for (PodConstraints.PodClaim pc : pod.constraints().claims()) {
            ClaimInfo c = pc.claim() == null ? null : claims.get(pod.namespace() + "/" + pc.claim());
            if (c != null && c.computeDomain() != null) {
                return c.computeDomain();
            }
        }
        return null;
    }

    private static String clique(NodeInfo n) {
        String c = n.label(Keys.CLIQUE_LABEL);
        return c != null ? c : "node:" + n.name();
    }

    private void joinDomain(String domain, NodeInfo n, int sign) {
        String clique = clique(n);
        Map<String, Integer> here = domainPods.computeIfAbsent(clique, k -> new HashMap<>());
        int left = here.merge(domain, sign, Integer::sum);
        if (left <= 0) {
            here.remove(domain);
            if (here.isEmpty()) {
                domainPods.remove(clique);
            }
            if (clique.equals(cliqueOfDomain.get(domain))) {
                cliqueOfDomain.remove(domain);
            }
        } else {
            cliqueOfDomain.putIfAbsent(domain, clique);
        }
    }

    private List<Device> available(NodeInfo node) {
        List<Device> out = new ArrayList<>(attached.getOrDefault(node.name(), List.of()));
        for (Device d : floating) {
            if (d.availableOn(node)) {
                out.add(d);
            }
        }
        return out;
    }

    /** Null when {@code pod}'s claims can all be met on {@code node} now; else why not, in words. */
    public String problem(PodInfo pod, NodeInfo node) {
        if (pod.constraints().claims().isEmpty()) {
            return null;
        }
        Attempt a = attempt(pod, node, inUse);
        return a.problem;
    }

    /**
     * How many pods like {@code pod}, each with claims of its own made from the same templates (a claim it names
     * itself is one all of them share), {@code node} can serve now, up to {@code max}.
     */
    public long copies(PodInfo pod, NodeInfo node, long max) {
        if (pod.constraints().claims().isEmpty()) {
            return max;
        }
        if (problem(pod, node) != null) {
            return 0;
        }
        if (pod.constraints().claims().stream().allMatch(pc -> pc.template() == null)) {
            return max; // claims it names are allocated once and shared by every copy
        }
        ClaimState trial = copy();
        long n = 0;
        while (n < max) {
            PodInfo copy = n == 0 ? pod : trial.withOwnClaims(pod, n);
            if (trial.take(copy, node) == null) {
                break;
            }
            n++;
        }
        return n;
    }

    /** {@code pod} as its {@code n}th copy: claims of its own, unallocated, made from the same templates. */
    private PodInfo withOwnClaims(PodInfo pod, long n) {
        List<PodConstraints.PodClaim> own = new ArrayList<>();
        for (PodConstraints.PodClaim pc : pod.constraints().claims()) {
            if (pc.template() == null || pc.claim() == null) {
                own.add(pc);
                continue;
            }
            ClaimInfo c = claims.get(pod.namespace() + "/" + pc.claim());
            String name = pc.claim() + "#" + n;
            claims.put(pod.namespace() + "/" + name, new ClaimInfo(c.namespace(), name, null, c.requests(), c.constraints(),
                    List.of(), null, Set.of(), c.computeDomain(), c.invalidReason()));
            own.add(new PodConstraints.PodClaim(pc.name(), name, pc.template()));
        }
        PodConstraints k = pod.constraints();
        return pod.withConstraints(k.withClaims(own)).renamed(pod.name() + "#" + n);
    }

    private record Attempt(String problem, Map<String, List<ClaimInfo.Allocated>> fresh) {
    }

    private Attempt attempt(PodInfo pod, NodeInfo node, Set<Device.Id> used) {
        String domain = computeDomain(pod);
        if (domain != null) {
            String clique = clique(node);
            String home = cliqueOfDomain.get(domain);
            if (home != null && !home.equals(clique)) {
                return new Attempt("its ComputeDomain " + domain + " runs in clique " + home + ", and its channels reach no "
                        + "other", Map.of());
            }
            Map<String, Integer> here = domainPods.getOrDefault(clique, Map.of());
            for (String other : here.keySet()) {
                if (!other.equals(domain)) {
                    return new Attempt("clique " + clique + " serves ComputeDomain " + other + ", and one NVLink clique serves "
                            + "one ComputeDomain at a time", Map.of());
                }
            }
        }
        List<Device> available = null;
        Set<Device.Id> taken = new HashSet<>(used);
        Map<String, List<ClaimInfo.Allocated>> fresh = new LinkedHashMap<>();
        for (PodConstraints.PodClaim pc : pod.constraints().claims()) {
            ClaimInfo c = pc.claim() == null ? null : claims.get(pod.namespace() + "/" + pc.claim());
            if (c == null) {
                return new Attempt("its claim " + pc.name() + " is not there yet", Map.of());
            }
            if (c.isAllocated() && !fresh.containsKey(c.key())) {
                if (c.allocatedNode() != null && !c.allocatedNode().equals(node.name())) {
                    return new Attempt("ResourceClaim " + c.name() + " is allocated to devices on node " + c.allocatedNode(), Map.of());
                }
                if (c.allocatedNode() == null && !allUsableOn(c, node)) {
                    return new Attempt("ResourceClaim " + c.name() + " is allocated to devices node " + node.name()
                            + " cannot use", Map.of());
                }
                continue;
            }
            if (available == null) {
                available = available(node);
            }
            DeviceAllocator.Result r = allocator.allocate(c, available, taken);
            if (!r.allocated()) {
                return new Attempt("ResourceClaim " + c.name() + ": " + r.problem(), Map.of());
            }
            r.devices().forEach(x -> taken.add(x.device()));
            fresh.put(c.key(), r.devices());
        }
        return new Attempt(null, fresh);
    }

    private boolean allUsableOn(ClaimInfo c, NodeInfo node) {
        Set<Device.Id> here = new HashSet<>();
        available(node).forEach(d -> here.add(d.id()));
        return c.allocated().stream().allMatch(a -> here.contains(a.device()));
    }

    /**
     * Assumes {@code pod} on {@code node}: allocates its claims not yet allocated and reserves every claim for it.
     * Returns the claims as they are now written for it (allocation and consumers), or null when they cannot be met.
     */
    public List<ClaimInfo> take(PodInfo pod, NodeInfo node) {
        if (pod.constraints().claims().isEmpty()) {
            return List.of();
        }
        Attempt a = attempt(pod, node, inUse);
        if (a.problem != null) {
            return null;
        }
        List<String> mine = new ArrayList<>();
        a.fresh.forEach((key, devices) -> {
            ClaimInfo c = claims.get(key);
            boolean local = devices.stream().allMatch(x -> attached.getOrDefault(node.name(), List.of()).stream()
                    .anyMatch(d -> d.id().equals(x.device())));
            claims.put(key, c.withAllocation(devices, local ? node.name() : null));
            devices.forEach(x -> inUse.add(x.device()));
            mine.add(key);
        });
        allocatedBy.put(pod.key(), mine);
        List<ClaimInfo> out = new ArrayList<>();
        for (PodConstraints.PodClaim pc : pod.constraints().claims()) {
            String key = pod.namespace() + "/" + pc.claim();
            consumers.computeIfAbsent(key, k -> new TreeSet<>()).add(pod.key());
            ClaimInfo c = claims.get(key);
            out.add(new ClaimInfo(c.namespace(), c.name(), c.uid(), c.requests(), c.constraints(), c.allocated(),
                    c.allocatedNode(), consumers.get(key), c.computeDomain(), c.invalidReason()));
        }
        String domain = computeDomain(pod);
        if (domain != null) {
            joinDomain(domain, node, 1);
        }
        return out;
    }

    /**
     * Undoes {@link #take}, or, for a pod bound before the cycle, shows it gone (a victim, in a what-if): it is no
     * longer a consumer of its claims, and a claim nobody else uses is deallocated, as the resourceclaim controller
     * deallocates it, so its devices are free again.
     */
    public void give(PodInfo pod, NodeInfo node) {
        if (pod.constraints().claims().isEmpty()) {
            return;
        }
        List<String> mine = allocatedBy.remove(pod.key());
        for (PodConstraints.PodClaim pc : pod.constraints().claims()) {
            String key = pod.namespace() + "/" + pc.claim();
            Set<String> s = consumers.get(key);
            if (s != null) {
                s.remove(pod.key());
            }
            ClaimInfo c = claims.get(key);
            boolean unused = s == null || s.isEmpty();
            if (c != null && c.isAllocated() && ((mine != null && mine.contains(key)) || (mine == null && unused))) {
                c.allocated().forEach(x -> inUse.remove(x.device()));
                claims.put(key, c.withAllocation(List.of(), null));
            }
        }
        String domain = computeDomain(pod);
        if (domain != null) {
            joinDomain(domain, node, -1);
        }
    }

    /** Frees everything on {@code node}, as if its pods were gone (to see what room preemption could make). */
    public void release(NodeInfo node) {
        for (Device d : attached.getOrDefault(node.name(), List.of())) {
            inUse.remove(d.id());
        }
        String clique = clique(node);
        // the node's pods no longer pin a ComputeDomain to its clique (approximate: the whole clique's count is kept
        // for other nodes' pods, which are not released)
        if (domainPods.containsKey(clique) && node.label(Keys.CLIQUE_LABEL) == null) {
            domainPods.remove(clique);
        }
    }

    /** Allocations made this cycle that are still assumed, by claim key. */
    public Map<String, ClaimInfo> claims() {
        return claims;
    }
}
