package dev.phalanx.core.cycle;

import dev.phalanx.core.model.AffinityTerm;
import dev.phalanx.core.model.HostPort;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.NamespaceInfo;
import dev.phalanx.core.model.NodeInfo;
import dev.phalanx.core.model.PodInfo;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pods on the nodes during one cycle, for the rules that look at other pods: inter-pod affinity
 * ({@link PodNeighbours}), topology spread ({@link SpreadIndex}), host ports ({@link HostPorts}) and a node's pod limit.
 * It starts from the snapshot's bound pods and follows what the cycle takes, holds and gives back on its
 * {@link CapacityView}.
 *
 * <p>Pods without such rules cost a count per node: the counts of pods per domain that the rules ask for
 * ({@link DomainCounts}) are built the first time a pod asks for them, from the pods carrying the label the rule pins
 * when it pins one, and kept current from then on; the required anti-affinity terms of running pods, which every
 * incoming pod must respect, are indexed by the label they pin.
 */
final class PlacedPods {
    /** What the namespace selectors of affinity terms and the spread counts need to know of the cluster. */
    record Context(Map<String, NamespaceInfo> namespaces, Set<String> terminating) {
    }

    /**
     * One kind of pods counted per domain of a topology key. Records: two kinds alike share their counts.
     */
    interface Kind {
        String topologyKey();

        /** A label {@code key=value} every pod counted carries, or null. */
        String pinnedLabel();

        /**
         * Whether {@code pod} counts. {@code held}: room held for it, it is not there yet; {@code anchor}: a pod of a view
         * emptied to ask whether a gang could ever fit, kept only as something affinity may follow.
         */
        boolean counts(PodInfo pod, boolean held, boolean anchor, Context ctx);

        /** The nodes whose pods count and whose domains are the domains, or null for every node with the label. */
        default BitSet nodes() {
            return null;
        }
    }

    /**
     * A pod the cycle put on a node: taken, or held ({@code held}) for a gang that waits; {@code anchor}: kept in an
     * emptied view only as something affinity may follow; {@code seq}: when, to tell it gone once its node is released.
     */
    private record Added(PodInfo pod, int node, boolean held, boolean anchor, long seq) {
    }

    /** One required anti-affinity term of a pod on a node. */
    record AntiTerm(PodInfo holder, int node, AffinityTerm term) {
    }

    /** What the visitor of the pods on the nodes sees of each. */
    interface Visitor {
        void visit(PodInfo pod, int node, boolean held, boolean anchor);
    }

    /** What depends on the nodes and the snapshot's pods alone, shared by every copy; its indexes built when first needed. */
    private static final class Base {
        final List<PodInfo> pods;
        final int[] nodeOf; // per pod: its node index, -1 when it holds no node
        final long[] podLimit; // per node: its pod limit, MAX_VALUE when it states none
        Map<String, int[]> byLabel;
        Map<String, Integer> byKey;

        Base(List<NodeInfo> nodes, List<PodInfo> pods, int[] nodeOf) {
            this.pods = pods;
            this.nodeOf = nodeOf;
            this.podLimit = new long[nodes.size()];
            for (int i = 0; i < podLimit.length; i++) {
                long limit = nodes.get(i).allocatable().milli(Keys.PODS) / 1000;
                podLimit[i] = limit <= 0 ? Long.MAX_VALUE : limit;
            }
        }
    }

    private final List<NodeInfo> nodes;
    private final Context ctx;
    private final Base shared;
    private final List<PodInfo> base;
    private final int[] baseNode;
    private final BitSet removedBase;
    private final BitSet released;
    private final BitSet occupied;
    private final boolean baseAnchors;
    private final List<Added> added;
    /** {@link #added} by label ({@code key=value}), built when a count first pins a label, then kept current. */
    private Map<String, List<Added>> addedByLabel;
    private long seq;
    private long[] releasedAt; // per node: the last seq released there; null until a node is released
    private final int[] podsOn;
    private int nodesFull;
    private final HostPorts ports;
    private final Map<String, List<AntiTerm>> antiByLabel;
    private final List<AntiTerm> antiUnpinned;
    private int antiTerms;
    private int antiVersion;
    private int countsEpoch;
    private final Map<Kind, DomainCounts> counts = new HashMap<>();
    private final Map<String, List<Kind>> kindsByLabel = new HashMap<>();
    private final List<Kind> unpinnedKinds = new ArrayList<>();

    /** The pods of a snapshot: {@code nodeOf[k]} is the node index of {@code pods[k]}, -1 for one holding no node. */
    PlacedPods(List<NodeInfo> nodes, List<PodInfo> pods, int[] nodeOf, Context ctx) {
        this(nodes, pods, nodeOf, ctx, false);
    }

    private PlacedPods(List<NodeInfo> nodes, List<PodInfo> pods, int[] nodeOf, Context ctx, boolean anchors) {
        this.nodes = nodes;
        this.ctx = ctx;
        this.shared = new Base(nodes, pods, nodeOf);
        this.base = pods;
        this.baseNode = nodeOf;
        this.baseAnchors = anchors;
        this.removedBase = new BitSet();
        this.released = new BitSet();
        this.occupied = new BitSet();
        this.added = new ArrayList<>();
        this.podsOn = new int[nodes.size()];
        this.ports = new HostPorts();
        this.antiByLabel = new HashMap<>();
        this.antiUnpinned = new ArrayList<>();
        if (!anchors) {
            for (int k = 0; k < pods.size(); k++) {
                if (nodeOf[k] >= 0) {
                    arrive(pods.get(k), nodeOf[k]);
                }
            }
        }
    }

    private PlacedPods(PlacedPods o, boolean emptied) {
        this.nodes = o.nodes;
        this.ctx = o.ctx;
        this.shared = o.shared;
        this.base = o.base;
        this.baseNode = o.baseNode;
        this.removedBase = (BitSet) o.removedBase.clone();
        this.released = (BitSet) o.released.clone();
        this.seq = o.seq;
        this.releasedAt = o.releasedAt == null ? null : o.releasedAt.clone();
        this.antiByLabel = new HashMap<>();
        if (emptied) {
            // every pod there now stays, as something affinity may follow, and as nothing else
            this.baseAnchors = true;
            this.occupied = new BitSet();
            this.added = new ArrayList<>();
            for (Added a : o.added) {
                if (!a.held() && !o.dead(a)) {
                    added.add(new Added(a.pod(), a.node(), false, true, a.seq()));
                }
            }
            this.podsOn = new int[nodes.size()];
            this.ports = new HostPorts();
            this.antiUnpinned = new ArrayList<>();
            return;
        }
        this.baseAnchors = o.baseAnchors;
        this.occupied = (BitSet) o.occupied.clone();
        this.added = new ArrayList<>(o.added);
        this.podsOn = o.podsOn.clone();
        this.nodesFull = o.nodesFull;
        this.ports = o.ports.copy();
        o.antiByLabel.forEach((k, v) -> antiByLabel.put(k, new ArrayList<>(v)));
        this.antiUnpinned = new ArrayList<>(o.antiUnpinned);
        this.antiTerms = o.antiTerms;
        // counts are rebuilt when first asked for
    }

    /** An independent copy. */
    PlacedPods copy() {
        return new PlacedPods(this, false);
    }

    /**
     * The pods of a view emptied to ask whether a gang could ever fit: every pod placed now stays, but only as
     * something affinity may follow (a pod that must run near a database may still run near it), and nothing else.
     */
    PlacedPods emptied() {
        return new PlacedPods(this, true);
    }

    Context context() {
        return ctx;
    }

    NodeInfo node(int i) {
        return nodes.get(i);
    }

    int nodeCount() {
        return nodes.size();
    }

    // ---- the cycle's changes

    /** {@code pod} on node {@code i}: taken ({@code held} false), or room held for it. */
    void add(PodInfo pod, int i, boolean held) {
        Added a = new Added(pod, i, held, false, ++seq);
        added.add(a);
        if (addedByLabel != null) {
            for (var e : pod.constraints().labels().entrySet()) {
                addedByLabel.computeIfAbsent(e.getKey() + "=" + e.getValue(), x -> new ArrayList<>()).add(a);
            }
        }
        arrive(pod, i);
        count(pod, i, held, false, 1);
    }

    /** Undoes {@link #add}, or takes a pod of the snapshot off its node (its eviction is being weighed). */
    void remove(PodInfo pod, int i) {
        int last = added.size() - 1;
        if (last >= 0 && same(added.get(last), pod, i)) { // what was added last goes first, mostly
            removeAdded(last);
            return;
        }
        Integer k = baseIndex().get(pod.key());
        if (k != null && baseNode[k] == i) {
            if (!removedBase.get(k) && !released.get(i) && !baseAnchors) {
                removedBase.set(k);
                leave(base.get(k), i);
                count(base.get(k), i, false, false, -1);
            }
            return;
        }
        for (int a = last - 1; a >= 0; a--) {
            if (same(added.get(a), pod, i)) {
                removeAdded(a);
                return;
            }
        }
    }

    private static boolean same(Added a, PodInfo pod, int i) {
        return a.node() == i && (a.pod() == pod || a.pod().key().equals(pod.key()));
    }

    private void removeAdded(int k) {
        Added a = added.remove(k);
        if (addedByLabel != null) {
            for (var e : a.pod().constraints().labels().entrySet()) {
                List<Added> l = addedByLabel.get(e.getKey() + "=" + e.getValue());
                int at = l == null ? -1 : l.lastIndexOf(a);
                if (at >= 0) {
                    l.remove(at);
                }
            }
        }
        if (dead(a)) {
            return; // its node was released since: it left with everything there
        }
        if (!a.anchor()) {
            leave(a.pod(), a.node());
        }
        count(a.pod(), a.node(), a.held(), a.anchor(), -1);
    }

    private boolean dead(Added a) {
        return releasedAt != null && a.seq() <= releasedAt[a.node()];
    }

    /** Node {@code i} as if nothing ran on it. */
    void release(int i) {
        released.set(i);
        occupied.clear(i);
        if (releasedAt == null) {
            releasedAt = new long[nodes.size()];
            java.util.Arrays.fill(releasedAt, -1);
        }
        releasedAt[i] = seq;
        if (podsOn[i] >= shared.podLimit[i]) {
            nodesFull--;
        }
        podsOn[i] = 0;
        ports.clear(i);
        removeAnti(t -> t.node() == i);
        clearCounts();
    }

    /** Node {@code i} as if it were full: it takes no pod. */
    void occupy(int i) {
        occupied.set(i);
    }

    private void arrive(PodInfo pod, int i) {
        if (++podsOn[i] == shared.podLimit[i]) {
            nodesFull++;
        }
        ports.add(i, pod);
        if (!pod.constraints().podAffinity().requiredAnti().isEmpty()) {
            for (AffinityTerm t : pod.constraints().podAffinity().requiredAnti()) {
                AntiTerm a = new AntiTerm(pod, i, t);
                String pinned = t.selector().pinnedLabel();
                (pinned == null ? antiUnpinned : antiByLabel.computeIfAbsent(pinned, x -> new ArrayList<>())).add(a);
                antiTerms++;
            }
            antiVersion++;
        }
    }

    private void leave(PodInfo pod, int i) {
        if (podsOn[i]-- == shared.podLimit[i]) {
            nodesFull--;
        }
        ports.remove(i, pod);
        if (!pod.constraints().podAffinity().requiredAnti().isEmpty()) {
            String key = pod.key();
            for (AffinityTerm t : pod.constraints().podAffinity().requiredAnti()) {
                String pinned = t.selector().pinnedLabel();
                List<AntiTerm> l = pinned == null ? antiUnpinned : antiByLabel.get(pinned);
                for (int k = l == null ? -1 : l.size() - 1; k >= 0; k--) {
                    AntiTerm a = l.get(k);
                    if (a.node() == i && a.term().equals(t) && (a.holder() == pod || a.holder().key().equals(key))) {
                        l.remove(k);
                        antiTerms--;
                        break;
                    }
                }
                if (l != null && l.isEmpty() && pinned != null) {
                    antiByLabel.remove(pinned);
                }
            }
            antiVersion++;
        }
    }

    private void removeAnti(java.util.function.Predicate<AntiTerm> which) {
        if (antiTerms == 0) {
            return;
        }
        int before = antiTerms;
        for (var it = antiByLabel.values().iterator(); it.hasNext(); ) {
            List<AntiTerm> l = it.next();
            int n = l.size();
            l.removeIf(which);
            antiTerms -= n - l.size();
            if (l.isEmpty()) {
                it.remove();
            }
        }
        int n = antiUnpinned.size();
        antiUnpinned.removeIf(which);
        antiTerms -= n - antiUnpinned.size();
        if (antiTerms != before) {
            antiVersion++;
        }
    }

    // ---- what the rules read

    /** How many more pods node {@code i} takes by its pod limit ({@code pods} allocatable); MAX_VALUE when it states none. */
    long podRoom(int i) {
        if (occupied.get(i)) {
            return 0;
        }
        long limit = shared.podLimit[i];
        return limit == Long.MAX_VALUE ? limit : Math.max(0, limit - podsOn[i]);
    }

    HostPort portTaken(PodInfo pod, int i) {
        return pod.constraints().hostPorts().isEmpty() ? null : ports.taken(pod, i);
    }

    /** True when some node runs as many pods as it allows. */
    boolean anyNodeFull() {
        return nodesFull > 0;
    }

    /** True when some pod on a node has required anti-affinity, which every incoming pod must respect. */
    boolean hasAntiAffinity() {
        return antiTerms > 0;
    }

    /** Changes whenever a required anti-affinity term arrives or leaves. */
    int antiVersion() {
        return antiVersion;
    }

    /** Changes whenever counts were dropped (a node released): counts asked for before are stale. */
    int countsEpoch() {
        return countsEpoch;
    }

    /** The required anti-affinity terms of pods on nodes that {@code pod} may match: those pinning one of its labels, and the rest. */
    void antiTermsFor(PodInfo pod, java.util.function.Consumer<AntiTerm> each) {
        if (antiTerms == 0) {
            return;
        }
        if (!antiByLabel.isEmpty()) {
            for (var e : pod.constraints().labels().entrySet()) {
                List<AntiTerm> l = antiByLabel.get(e.getKey() + "=" + e.getValue());
                if (l != null) {
                    l.forEach(each);
                }
            }
        }
        antiUnpinned.forEach(each);
    }

    /** The counts of {@code kind} per domain, built now if no one asked for them before. */
    DomainCounts counts(Kind kind) {
        DomainCounts c = counts.get(kind);
        if (c != null) {
            return c;
        }
        BitSet eligible = kind.nodes();
        c = new DomainCounts(eligible != null);
        if (eligible != null) {
            for (int i = eligible.nextSetBit(0); i >= 0; i = eligible.nextSetBit(i + 1)) {
                String v = nodes.get(i).label(kind.topologyKey());
                if (v != null) {
                    c.seed(v);
                }
            }
        }
        DomainCounts built = c;
        visit(kind.pinnedLabel(), (pod, node, held, anchor) -> {
            if (kind.counts(pod, held, anchor, ctx) && (eligible == null || eligible.get(node))) {
                String v = nodes.get(node).label(kind.topologyKey());
                if (v != null) {
                    built.add(v, 1);
                }
            }
        });
        counts.put(kind, c);
        String pinned = kind.pinnedLabel();
        (pinned == null ? unpinnedKinds : kindsByLabel.computeIfAbsent(pinned, x -> new ArrayList<>())).add(kind);
        return c;
    }

    private void clearCounts() {
        if (!counts.isEmpty()) {
            counts.clear();
            kindsByLabel.clear();
            unpinnedKinds.clear();
            countsEpoch++;
        }
    }

    private void count(PodInfo pod, int i, boolean held, boolean anchor, int delta) {
        if (counts.isEmpty()) {
            return;
        }
        if (!kindsByLabel.isEmpty()) {
            for (var e : pod.constraints().labels().entrySet()) {
                List<Kind> l = kindsByLabel.get(e.getKey() + "=" + e.getValue());
                if (l != null) {
                    for (Kind k : l) {
                        apply(k, pod, i, held, anchor, delta);
                    }
                }
            }
        }
        for (Kind k : unpinnedKinds) {
            apply(k, pod, i, held, anchor, delta);
        }
    }

    private void apply(Kind k, PodInfo pod, int i, boolean held, boolean anchor, int delta) {
        BitSet eligible = k.nodes();
        if ((eligible == null || eligible.get(i)) && k.counts(pod, held, anchor, ctx)) {
            String v = nodes.get(i).label(k.topologyKey());
            if (v != null) {
                counts.get(k).add(v, delta);
            }
        }
    }

    /** Every pod on a node now, or only those carrying the label {@code pinned} ({@code key=value}) when it is given. */
    void visit(String pinned, Visitor v) {
        if (pinned != null) {
            int[] ks = baseByLabel().get(pinned);
            if (ks != null) {
                for (int k : ks) {
                    visitBase(k, v);
                }
            }
        } else {
            for (int k = 0; k < base.size(); k++) {
                visitBase(k, v);
            }
        }
        List<Added> candidates = added;
        if (pinned != null) {
            if (addedByLabel == null) {
                addedByLabel = new HashMap<>();
                for (Added a : added) {
                    for (var e : a.pod().constraints().labels().entrySet()) {
                        addedByLabel.computeIfAbsent(e.getKey() + "=" + e.getValue(), x -> new ArrayList<>()).add(a);
                    }
                }
            }
            candidates = addedByLabel.getOrDefault(pinned, List.of());
        }
        for (Added a : candidates) {
            if (!dead(a)) {
                v.visit(a.pod(), a.node(), a.held(), a.anchor());
            }
        }
    }

    private void visitBase(int k, Visitor v) {
        int i = baseNode[k];
        if (i >= 0 && !removedBase.get(k) && !released.get(i)) {
            v.visit(base.get(k), i, false, baseAnchors);
        }
    }

    private Map<String, int[]> baseByLabel() {
        if (shared.byLabel == null) {
            Map<String, List<Integer>> lists = new HashMap<>();
            for (int k = 0; k < base.size(); k++) {
                if (baseNode[k] >= 0) {
                    for (var e : base.get(k).constraints().labels().entrySet()) {
                        lists.computeIfAbsent(e.getKey() + "=" + e.getValue(), x -> new ArrayList<>()).add(k);
                    }
                }
            }
            Map<String, int[]> out = new HashMap<>();
            lists.forEach((l, ks) -> out.put(l, ks.stream().mapToInt(Integer::intValue).toArray()));
            shared.byLabel = out;
        }
        return shared.byLabel;
    }

    private Map<String, Integer> baseIndex() {
        if (shared.byKey == null) {
            Map<String, Integer> out = new HashMap<>();
            for (int k = 0; k < base.size(); k++) {
                if (baseNode[k] >= 0) {
                    out.put(base.get(k).key(), k);
                }
            }
            shared.byKey = out;
        }
        return shared.byKey;
    }
}
