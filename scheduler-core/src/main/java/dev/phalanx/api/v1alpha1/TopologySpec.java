package dev.phalanx.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.segmentSize) == has(self.segmentRequired)",
        message = "segmentSize and segmentRequired go together: segments of that many pods, each inside one domain of that label")
public class TopologySpec {
    @JsonPropertyDescription("Node label key: every member runs inside one value of it (e.g. nvidia.com/gpu.clique).")
    @Pattern(ApiPatterns.LABEL_KEY)
    @Size(max = 317)
    private String required;

    @JsonPropertyDescription("Node label key: members are packed into as few values of it as possible.")
    @Pattern(ApiPatterns.LABEL_KEY)
    @Size(max = 317)
    private String preferred;

    @JsonPropertyDescription("Cuts the gang's pods, ordered by their index label (else their name), into segments of"
            + " this many pods, each inside one domain of segmentRequired; the gang starts when enough segments for its"
            + " minMember can, each complete.")
    @Min(1)
    private Integer segmentSize;

    @JsonPropertyDescription("Node label key each segment runs inside one value of (e.g. nvidia.com/gpu.clique).")
    @Pattern(ApiPatterns.LABEL_KEY)
    @Size(max = 317)
    private String segmentRequired;

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
    public Integer getSegmentSize() { return segmentSize; }
    public void setSegmentSize(Integer segmentSize) { this.segmentSize = segmentSize; }
    public String getSegmentRequired() { return segmentRequired; }
    public void setSegmentRequired(String segmentRequired) { this.segmentRequired = segmentRequired; }
}
