package dev.phalanx.core.volume;

import dev.phalanx.core.model.RequiredNodeAffinity;

/**
 * A StorageClass as scheduling reads it: its {@code provisioner}, whether its claims wait for their first pod to be
 * scheduled before a volume is bound or made ({@code volumeBindingMode: WaitForFirstConsumer}), and the nodes its
 * volumes can be made for ({@code allowedTopologies}, {@link RequiredNodeAffinity#NONE} when any).
 */
public record StorageClassInfo(String name, String provisioner, boolean waitForFirstConsumer,
                               RequiredNodeAffinity allowedTopologies) {
    /** The provisioner of a class whose volumes are made by hand, never on demand (local volumes). */
    public static final String NO_PROVISIONER = "kubernetes.io/no-provisioner";

    public StorageClassInfo {
        allowedTopologies = allowedTopologies == null ? RequiredNodeAffinity.NONE : allowedTopologies;
    }

    /** True when a volume of this class can be made on demand. */
    public boolean provisions() {
        return provisioner != null && !provisioner.isEmpty() && !provisioner.equals(NO_PROVISIONER);
    }
}
