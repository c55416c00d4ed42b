package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/** Quota, over-quota weight and limit of one resource in one queue. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.quota) || isQuantity(string(self.quota))",
        message = "quota must be a quantity such as 16, 500m or 64Gi")
@ValidationRule(value = "!has(self.limit) || isQuantity(string(self.limit))",
        message = "limit must be a quantity such as 64 or 256Gi, or -1 for no limit")
@ValidationRule(value = "!has(self.quota) || !isQuantity(string(self.quota)) || quantity(string(self.quota)).sign() >= 0",
        message = "quota must be >= 0")
@ValidationRule(value = "!has(self.limit) || !isQuantity(string(self.limit)) || quantity(string(self.limit)).compareTo(quantity('-1')) == 0"
        + " || (has(self.quota) && isQuantity(string(self.quota)) ? quantity(string(self.limit)).compareTo(quantity(string(self.quota))) >= 0"
        + " : quantity(string(self.limit)).sign() >= 0)",
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
