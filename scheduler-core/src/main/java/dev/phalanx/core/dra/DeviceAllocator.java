package dev.phalanx.core.dra;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Chooses devices for a ResourceClaim from the devices free where its pod would run, as kube-scheduler's DRA
 * allocator does: each request gets {@code count} devices of its class (every matching one for {@code All}),
 * each passing its class's and its own CEL selectors and tolerating the device's taints; a device goes to one
 * request only; {@code matchAttribute} constraints make the devices of the requests they name share the value of
 * an attribute (tried value by value, in order). Deterministic: candidates are taken in device order.
 */
public final class DeviceAllocator {
    private static final int MAX_ATTEMPTS = 10_000;

    private final DeviceSelectors cel;
    private final Map<String, DeviceClassInfo> classes;

    public DeviceAllocator(DeviceSelectors cel, Map<String, DeviceClassInfo> classes) {
        this.cel = cel;
        this.classes = classes;
    }

    /**
     * The devices for every request of {@code claim}, or why none fit: {@code problem} names the first request
     * that could not be met and {@code matching} how many free devices matched it.
     */
    public record Result(List<ClaimInfo.Allocated> devices, String problem, String request, int matching) {
        public boolean allocated() {
            return problem == null;
        }
    }

    /** Why a request cannot be met anywhere, whatever is free: an unknown class or a selector that does not compile. */
    public String invalid(ClaimInfo claim) {
        for (ClaimInfo.Request r : claim.requests()) {
            DeviceClassInfo c = classes.get(r.deviceClassName());
            if (c == null) {
                return "request " + r.name() + " asks for DeviceClass " + r.deviceClassName() + ", which does not exist";
            }
            for (String s : concat(c.selectors(), r.selectors())) {
                String p = cel.problem(s);
                if (p != null) {
                    return "request " + r.name() + ": " + p;
                }
            }
        }
        return null;
    }

    /** True when {@code device} belongs to class {@code c}: every selector of the class selects it. */
    public boolean inClass(DeviceClassInfo c, Device device) {
        for (String s : c.selectors()) {
            if (!cel.selects(s, device)) {
                return false;
            }
        }
        return true;
    }

    /** True when {@code device} may serve {@code request}: its class's and its own selectors pass, its taints are tolerated. */
    public boolean matches(ClaimInfo.Request request, Device device) {
        DeviceClassInfo c = classes.get(request.deviceClassName());
        if (c == null) {
            return false;
        }
        for (Device.Taint t : device.taints()) {
            if (("NoSchedule".equals(t.effect()) || "NoExecute".equals(t.effect()))
                    && request.tolerations().stream().noneMatch(tol -> tol.tolerates(t))) {
                return false;
            }
        }
        for (String s : concat(c.selectors(), request.selectors())) {
            if (!cel.selects(s, device)) {
                return false;
            }
        }
        return true;
    }

    /** {@link #allocate(ClaimInfo, List, Set)} with every device of {@code free} free. */
    public Result allocate(ClaimInfo claim, List<Device> free) {
        return allocate(claim, free, Set.of());
    }

    /**
     * Devices for {@code claim} from {@code available} (the devices a pod on one node may use) other than those
     * {@code inUse} (allocated to other claims). A request in {@code All} mode takes every matching device, and
     * fails, as in Kubernetes, when any of them is in use.
     */
    public Result allocate(ClaimInfo claim, List<Device> available, Set<Device.Id> inUse) {
        String invalid = invalid(claim);
        if (invalid != null) {
            return new Result(List.of(), invalid, null, 0);
        }
        List<Device> candidates = new ArrayList<>(available);
        candidates.sort(Comparator.comparing(Device::id));
        Map<String, List<Device>> matching = new LinkedHashMap<>();
        for (ClaimInfo.Request r : claim.requests()) {
            List<Device> all = candidates.stream().filter(d -> matches(r, d)).toList();
            List<Device> free = all.stream().filter(d -> !inUse.contains(d.id())).toList();
            if (r.all() && free.size() < all.size()) {
                return new Result(List.of(), describe(r) + "; " + (all.size() - free.size()) + " of the " + all.size()
                        + " here are in use", r.name(), free.size());
            }
            matching.put(r.name(), free);
        }
        Search search = new Search(claim, matching);
        List<ClaimInfo.Allocated> chosen = search.run(0, new LinkedHashMap<>(), new HashSet<>());
        if (chosen != null) {
            return new Result(chosen, null, null, 0);
        }
        // the first request that cannot be met on its own, else the constraints are what fail
        for (ClaimInfo.Request r : claim.requests()) {
            int n = matching.get(r.name()).size();
            if ((r.all() && n == 0) || (!r.all() && n < r.count())) {
                return new Result(List.of(), describe(r) + "; " + n + " free here", r.name(), n);
            }
        }
        return new Result(List.of(), "no devices free here meet every request of the claim and its matchAttribute constraints",
                claim.requests().get(0).name(), 0);
    }

    /** "request gpus needs 4 devices of class gpu.nvidia.com with productName == ...". */
    public static String describe(ClaimInfo.Request r) {
        return "request " + r.name() + " needs " + (r.all() ? "all devices" : r.count() + (r.count() == 1 ? " device" : " devices"))
                + " of class " + r.deviceClassName() + (r.selectors().isEmpty() ? "" : " with " + String.join(" and ", r.selectors()));
    }

    /** Backtracking over requests, and over attribute values where constraints bind them. */
    private static final class Search {
        private final ClaimInfo claim;
        private final Map<String, List<Device>> matching;
        private int attempts;

        Search(ClaimInfo claim, Map<String, List<Device>> matching) {
            this.claim = claim;
            this.matching = matching;
        }

        List<ClaimInfo.Allocated> run(int index, Map<String, Object> fixed, Set<Device.Id> used) {
            if (index == claim.requests().size()) {
                return new ArrayList<>();
            }
            if (++attempts > MAX_ATTEMPTS) {
                return null;
            }
            ClaimInfo.Request r = claim.requests().get(index);
            List<ClaimInfo.MatchAttribute> binding = claim.constraints().stream()
                    .filter(c -> c.requests().isEmpty() || c.requests().contains(r.name())).toList();
            List<Device> open = matching.get(r.name()).stream().filter(d -> !used.contains(d.id()))
                    .filter(d -> binding.stream().allMatch(c -> !fixed.containsKey(c.attribute())
                            || Objects.equals(fixed.get(c.attribute()), d.attribute(c.attribute()))))
                    .filter(d -> binding.stream().allMatch(c -> d.attribute(c.attribute()) != null))
                    .toList();
            // attributes this request is the first to bind: try each value, in order
            List<ClaimInfo.MatchAttribute> unbound = binding.stream().filter(c -> !fixed.containsKey(c.attribute())).toList();
            Map<List<Object>, List<Device>> byValues = new TreeMap<>(Comparator.comparing(Object::toString));
            for (Device d : open) {
                List<Object> values = unbound.stream().map(c -> d.attribute(c.attribute())).toList();
                byValues.computeIfAbsent(values, k -> new ArrayList<>()).add(d);
            }
            for (Map.Entry<List<Object>, List<Device>> group : byValues.entrySet()) {
                List<Device> pick = r.all() ? group.getValue()
                        : group.getValue().size() >= r.count() ? group.getValue().subList(0, r.count()) : null;
                if (pick == null || pick.isEmpty()) {
                    continue;
                }
                Map<String, Object> nextFixed = new LinkedHashMap<>(fixed);
                for (int k = 0; k < unbound.size(); k++) {
                    nextFixed.put(unbound.get(k).attribute(), group.getKey().get(k));
                }
                Set<Device.Id> nextUsed = new HashSet<>(used);
                pick.forEach(d -> nextUsed.add(d.id()));
                List<ClaimInfo.Allocated> rest = run(index + 1, nextFixed, nextUsed);
                if (rest != null) {
                    List<ClaimInfo.Allocated> out = new ArrayList<>();
                    pick.forEach(d -> out.add(new ClaimInfo.Allocated(r.name(), d.id())));
                    out.addAll(rest);
                    return out;
                }
            }
            return null;
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
