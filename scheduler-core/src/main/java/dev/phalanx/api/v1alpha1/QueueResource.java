package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/** Quota, over-quota weight and limit of one resource in one queue. */
@JsonInclude(JsonInclude.Include.NON_NULL)
// Quantities are int-or-string, whose strings CEL cannot parse within its cost budget: the CRD checks
// their form with a pattern (added by CrdFinisher) and compares quota and limit when both are
// integers; the scheduler reports any other limit below its quota on the Queue.
@ValidationRule(value = "!has(self.quota) || !has(self.limit) || type(self.quota) != int || type(self.limit) != int"
        + " || self.limit == -1 || self.limit >= self.quota",
        message = "limit must be -1 (no limit) or at least quota")
public class QueueResource {
    @JsonPropertyDescription("Guaranteed amount; never reclaimed while in use. Default 0.")
    private Quantity quota;

    @JsonPropertyDescription("Share of the surplus beyond all quotas, relative to sibling queues. Default 1.")
    @Min(0)
    private Double overQuotaWeight;

    @JsonPropertyDescription("Most the queue may ever use; -1 (the default) means no limit.")
    private Quantity limit;

    public QueueResource() {
    }

    public QueueResource(Quantity quota, Double overQuotaWeight, Quantity limit) {
        this.quota = quota;
        this.overQuotaWeight = overQuotaWeight;
        this.limit = limit;
    }

    public Quantity getQuota() { return quota; }
    public void setQuota(Quantity quota) { this.quota = quota; }
    public Double getOverQuotaWeight() { return overQuotaWeight; }
    public void setOverQuotaWeight(Double overQuotaWeight) { this.overQuotaWeight = overQuotaWeight; }
    public Quantity getLimit() { return limit; }
    public void setLimit(Quantity limit) { this.limit = limit; }
}
