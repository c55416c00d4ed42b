package dev.phalanx.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A gang: at least {@code minMember} pods start together or none do. */
@Group(Queue.GROUP)
@Version(Queue.VERSION)
@Kind("PodGroup")
@Plural("podgroups")
@Singular("podgroup")
@ShortNames("ppg")
@AdditionalPrinterColumn(name = "Queue", jsonPath = ".spec.queue", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "MinMember", jsonPath = ".spec.minMember", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Scheduled", jsonPath = ".status.scheduled", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Running", jsonPath = ".status.running", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class PodGroup extends CustomResource<PodGroupSpec, PodGroupStatus> implements Namespaced {
    @Override
    protected PodGroupSpec initSpec() {
        return new PodGroupSpec();
    }
}
