package dev.phalanx.core.model;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Immutable copies that iterate in key order. {@code Map.copyOf} and {@code Set.copyOf} iterate in an order
 * that changes from one JVM to the next, so anything that walks them would decide differently on another
 * run (invariant 5); every map and set a snapshot, a decision or a report holds is copied through here.
 */
public final class Sorted {
    private Sorted() {
    }

    public static <K extends Comparable<K>, V> SortedMap<K, V> map(Map<K, V> m) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(m));
    }

    public static <T extends Comparable<T>> SortedSet<T> set(Set<T> s) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(s));
    }
}
