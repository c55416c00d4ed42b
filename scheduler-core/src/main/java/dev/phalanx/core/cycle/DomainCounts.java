package dev.phalanx.core.cycle;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many pods of one kind run in each domain of one topology key (the values of a node label), kept current as the
 * cycle places and removes pods ({@link PlacedPods}). With domains {@link #seed seeded} up front (topology spread,
 * where a domain with no matching pod still counts), it also knows the least-loaded domain.
 */
final class DomainCounts {
    private final Map<String, Integer> byDomain = new HashMap<>();
    private final TreeMap<Integer, Integer> loads = new TreeMap<>(); // count -> how many domains hold that many
    private final boolean seeded;
    private int total;

    DomainCounts(boolean seeded) {
        this.seeded = seeded;
    }

    DomainCounts copy() {
        DomainCounts c = new DomainCounts(seeded);
        c.byDomain.putAll(byDomain);
        c.loads.putAll(loads);
        c.total = total;
        return c;
    }

    /** Makes {@code domain} one of the domains, holding no pod yet. */
    void seed(String domain) {
        if (byDomain.putIfAbsent(domain, 0) == null) {
            loads.merge(0, 1, Integer::sum);
        }
    }

    /** One more (or, with -1, one less) pod in {@code domain}; ignored for a domain not seeded when seeding. */
    void add(String domain, int delta) {
        Integer before = byDomain.get(domain);
        if (before == null && seeded) {
            return;
        }
        int was = before == null ? 0 : before;
        int now = was + delta;
        if (before != null) {
            loads.computeIfPresent(was, (k, n) -> n == 1 ? null : n - 1);
        }
        if (now == 0 && !seeded) {
            byDomain.remove(domain);
        } else {
            byDomain.put(domain, now);
            loads.merge(now, 1, Integer::sum);
        }
        total += delta;
    }

    int of(String domain) {
        return domain == null ? 0 : byDomain.getOrDefault(domain, 0);
    }

    boolean isDomain(String domain) {
        return domain != null && byDomain.containsKey(domain);
    }

    int total() {
        return total;
    }

    int domains() {
        return byDomain.size();
    }

    /** The fewest pods any domain holds (0 with no domains). */
    int min() {
        return loads.isEmpty() ? 0 : loads.firstKey();
    }
}
