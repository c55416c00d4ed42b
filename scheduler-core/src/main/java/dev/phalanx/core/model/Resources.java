package dev.phalanx.core.model;

import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable vector of resource amounts; the one place where quantities are added, subtracted
 * and compared. Amounts are held exactly in thousandths of the resource's unit (milli-cores,
 * milli-bytes, milli-GPUs), so a half GPU is 500 and nothing is lost to rounding.
 */
public final class Resources {
    public static final Resources NONE = new Resources(new String[0], new long[0]);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    private final String[] names; // sorted, no duplicates, no zero amounts
    private final long[] milli;

    private Resources(String[] names, long[] milli) {
        this.names = names;
        this.milli = milli;
    }

    /** From a map of resource name to thousandths of a unit. */
    public static Resources ofMilli(Map<String, Long> amounts) {
        TreeMap<String, Long> sorted = new TreeMap<>();
        amounts.forEach((k, v) -> {
            if (v != null && v != 0) {
                sorted.merge(k, v, Long::sum);
            }
        });
        sorted.values().removeIf(v -> v == 0);
        String[] n = sorted.keySet().toArray(new String[0]);
        long[] m = new long[n.length];
        for (int i = 0; i < n.length; i++) {
            m[i] = sorted.get(n[i]);
        }
        return new Resources(n, m);
    }

    public static Resources of(String name, double units) {
        return ofMilli(Map.of(name, Math.round(units * 1000)));
    }

    public static Resources of(String n1, double u1, String n2, double u2) {
        return of(n1, u1).add(of(n2, u2));
    }

    /** From Kubernetes quantities (requests, allocatable, quotas); rounds up to a thousandth. */
    public static Resources fromQuantities(Map<String, Quantity> quantities) {
        if (quantities == null || quantities.isEmpty()) {
            return NONE;
        }
        Map<String, Long> amounts = new LinkedHashMap<>();
        quantities.forEach((k, q) -> amounts.put(k, toMilli(q)));
        return ofMilli(amounts);
    }

    /** Thousandths of a unit in a Kubernetes quantity, rounded up; throws IllegalArgumentException when it does not parse. */
    public static long toMilli(Quantity q) {
        if (q == null) {
            return 0;
        }
        BigDecimal amount = Quantity.getAmountInBytes(q);
        try {
            return amount.multiply(THOUSAND).setScale(0, RoundingMode.CEILING).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + q + "' is too large to count (at most "
                    + Long.MAX_VALUE / 1000 + " units)", e);
        }
    }

    public static long toMilli(String quantity) {
        try {
            return toMilli(new Quantity(quantity));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + quantity + "' is not a quantity (expected e.g. 8, 500m, 64Gi)", e);
        }
    }

    public long milli(String name) {
        int i = Arrays.binarySearch(names, name);
        return i >= 0 ? milli[i] : 0;
    }

    public double units(String name) {
        return milli(name) / 1000.0;
    }

    public List<String> names() {
        return Collections.unmodifiableList(Arrays.asList(names));
    }

    public boolean isEmpty() {
        return names.length == 0;
    }

    public Resources add(Resources other) {
        return combine(other, 1);
    }

    public Resources subtract(Resources other) {
        return combine(other, -1);
    }

    /**
     * Sums saturate at the largest count a long holds instead of wrapping round: thousandths of a byte
     * reach it at about 9 PB (some 4,500 nodes of 2 TiB), and a cluster that large must not turn negative.
     */
    private static long sum(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    private static long saturate(int sign, long v) {
        return sign >= 0 ? v : v == Long.MIN_VALUE ? Long.MAX_VALUE : -v;
    }

    public Resources multiply(long factor) {
        long[] m = new long[milli.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = Math.multiplyExact(milli[i], factor);
        }
        return factor == 0 ? NONE : new Resources(names, m);
    }

    private Resources combine(Resources other, int sign) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty() && sign > 0) {
            return other;
        }
        String[] n = new String[names.length + other.names.length];
        long[] m = new long[n.length];
        int i = 0, j = 0, k = 0;
        while (i < names.length || j < other.names.length) {
            int c = i == names.length ? 1 : j == other.names.length ? -1 : names[i].compareTo(other.names[j]);
            long v;
            String name;
            if (c < 0) {
                name = names[i];
                v = milli[i++];
            } else if (c > 0) {
                name = other.names[j];
                v = saturate(sign, other.milli[j++]);
            } else {
                name = names[i];
                v = sum(milli[i++], saturate(sign, other.milli[j++]));
            }
            if (v != 0) {
                n[k] = name;
                m[k++] = v;
            }
        }
        return new Resources(Arrays.copyOf(n, k), Arrays.copyOf(m, k));
    }

    /** True when every amount here is at most the same amount in {@code capacity} (absent = 0). */
    public boolean fitsIn(Resources capacity) {
        for (int i = 0; i < names.length; i++) {
            if (milli[i] > capacity.milli(names[i])) {
                return false;
            }
        }
        return true;
    }

    /** How many times this fits in {@code capacity}, resource by resource; Long.MAX_VALUE when this is empty. */
    public long copiesWithin(Resources capacity) {
        long copies = Long.MAX_VALUE;
        int j = 0;
        for (int i = 0; i < names.length; i++) { // both name arrays are sorted: one merge walk
            while (j < capacity.names.length && capacity.names[j].compareTo(names[i]) < 0) {
                j++;
            }
            long have = j < capacity.names.length && capacity.names[j].equals(names[i]) ? capacity.milli[j] : 0;
            if (milli[i] > 0) {
                copies = Math.min(copies, Math.max(0, have) / milli[i]);
            }
        }
        return copies;
    }

    /** True when {@code capacity} has some of every resource named here, however little. */
    public boolean offeredBy(Resources capacity) {
        for (String name : names) {
            if (capacity.milli(name) <= 0) {
                return false;
            }
        }
        return true;
    }

    /** Names of the resources where this exceeds {@code capacity}, in order. */
    public List<String> exceeding(Resources capacity) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (milli[i] > capacity.milli(names[i])) {
                out.add(names[i]);
            }
        }
        return out;
    }

    public boolean anyNegative() {
        for (long m : milli) {
            if (m < 0) {
                return true;
            }
        }
        return false;
    }

    /** Per-name maximum of the two. */
    public Resources max(Resources other) {
        Map<String, Long> out = new TreeMap<>();
        for (String n : union(other)) {
            out.put(n, Math.max(milli(n), other.milli(n)));
        }
        return ofMilli(out);
    }

    /** Per-name minimum of the two. */
    public Resources min(Resources other) {
        Map<String, Long> out = new TreeMap<>();
        for (String n : union(other)) {
            out.put(n, Math.min(milli(n), other.milli(n)));
        }
        return ofMilli(out);
    }

    private TreeSet<String> union(Resources other) {
        TreeSet<String> all = new TreeSet<>(Arrays.asList(names));
        all.addAll(Arrays.asList(other.names));
        return all;
    }

    public Map<String, Long> asMilliMap() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            out.put(names[i], milli[i]);
        }
        return out;
    }

    public Map<String, Double> asUnitMap() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            out.put(names[i], milli[i] / 1000.0);
        }
        return out;
    }

    /** A thousandths amount written as a plain number: 16, 0.5, 2.25. */
    public static String formatMilli(long milli) {
        return BigDecimal.valueOf(milli).divide(THOUSAND).stripTrailingZeros().toPlainString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Resources r && Arrays.equals(names, r.names) && Arrays.equals(milli, r.milli);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(names) + Arrays.hashCode(milli);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(names[i]).append(": ").append(formatMilli(milli[i]));
        }
        return sb.append('}').toString();
    }
}
