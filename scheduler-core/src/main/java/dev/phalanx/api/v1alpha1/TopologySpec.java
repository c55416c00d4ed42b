package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class TopologySpec {
    @JsonPropertyDescription("Node label key: every member runs inside one value of it (e.g. nvidia.com/gpu.clique).")
    @Pattern(ApiPatterns.LABEL_KEY)
    @Size(max = 317)
    private String required;

    @JsonPropertyDescription("Node label key: members are packed into as few values of it as possible.")
    @Pattern(ApiPatterns.LABEL_KEY)
    @Size(max = 317)
    private String preferred;

    public TopologySpec() {
    }

    public TopologySpec(String required, String preferred) {
        this.required = required;
        this.preferred = preferred;
    }

    public String getRequired() { return required; }
    public void setRequired(String required) { this.required = required; }
    public String getPreferred() { return preferred; }
    public void setPreferred(String preferred) { this.preferred = preferred; }
}
