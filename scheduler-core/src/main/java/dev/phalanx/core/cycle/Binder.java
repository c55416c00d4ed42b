package dev.phalanx.core.cycle;

import java.util.List;

/**
 * Port: commits a gang's decision. Bindings of one gang arrive together; the implementation makes
 * them visible to the next snapshot at once (the pods are "assumed"), so no later cycle double-books.
 */
public interface Binder {
    void bind(GangDecision decision, List<Binding> bindings);
}
