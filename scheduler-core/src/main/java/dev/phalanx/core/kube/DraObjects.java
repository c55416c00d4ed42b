package dev.phalanx.core.kube;

import dev.phalanx.core.dra.ClaimInfo;
import dev.phalanx.core.dra.Device;
import dev.phalanx.core.dra.DeviceClassInfo;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.RequiredNodeAffinity;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClaimConfiguration;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceConstraint;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequest;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceSelector;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceToleration;
import io.fabric8.kubernetes.api.model.resource.v1.ExactDeviceRequest;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimConsumerReference;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimSpec;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Dynamic Resource Allocation objects ({@code resource.k8s.io/v1}) to the model: the devices of a ResourceSlice, a
 * DeviceClass, a ResourceClaim or a ResourceClaimTemplate's claim. What Phalanx cannot honour as written (a
 * prioritized list, consumable capacity, admin access, {@code distinctAttribute}) makes the claim invalid with a
 * reason naming the field, so its pods wait saying so instead of being given the wrong devices.
 */
public final class DraObjects {
    /** The driver of NVIDIA's ComputeDomain channels, and the opaque config kind naming a channel's domain. */
    public static final String COMPUTE_DOMAIN_DRIVER = "compute-domain.nvidia.com";
    public static final String CHANNEL_CONFIG_KIND = "ComputeDomainChannelConfig";
    /** NVIDIA's GPU device class; its devices count as nvidia.com/gpu unless the configuration says otherwise. */
    public static final String NVIDIA_GPU_CLASS = "gpu.nvidia.com";

    /** The API version of NVIDIA's ComputeDomain. */
    public static final String COMPUTE_DOMAIN_API = "resource.nvidia.com/v1beta1";
    /** The device class of a ComputeDomain's default IMEX channel. */
    public static final String CHANNEL_CLASS = "compute-domain-default-channel.nvidia.com";
    private static final String RESOURCE_API = "resource.k8s.io/v1";

    private DraObjects() {
    }

    /** The class a DRA object of {@code kind} in {@code apiVersion} reads as; null when it is none the simulator reads. */
    public static Class<? extends HasMetadata> typeOf(String apiVersion, String kind) {
        if (RESOURCE_API.equals(apiVersion)) {
            return switch (kind) {
                case "DeviceClass" -> DeviceClass.class;
                case "ResourceSlice" -> ResourceSlice.class;
                case "ResourceClaim" -> ResourceClaim.class;
                case "ResourceClaimTemplate" -> ResourceClaimTemplate.class;
                default -> null;
            };
        }
        return COMPUTE_DOMAIN_API.equals(apiVersion) && "ComputeDomain".equals(kind) ? GenericKubernetesResource.class : null;
    }

    /**
     * The ResourceClaimTemplate NVIDIA's compute-domain controller makes for a ComputeDomain: named by
     * {@code spec.channel.resourceClaimTemplate.name}, in its namespace, one request {@code channel} of the default
     * channel class, configured with the domain's uid; null when the ComputeDomain names no template.
     */
    public static ClaimInfo computeDomainTemplate(GenericKubernetesResource cd) {
        Object channel = cd.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec ? spec.get("channel") : null;
        Object template = channel instanceof Map<?, ?> c ? c.get("resourceClaimTemplate") : null;
        Object name = template instanceof Map<?, ?> t ? t.get("name") : null;
        if (name == null) {
            return null;
        }
        var md = cd.getMetadata();
        String uid = md.getUid() != null ? md.getUid() : md.getNamespace() + "/" + md.getName();
        return new ClaimInfo(md.getNamespace() == null ? "default" : md.getNamespace(), String.valueOf(name), null,
                List.of(new ClaimInfo.Request("channel", CHANNEL_CLASS, List.of(), false, 1, List.of())), List.of(),
                List.of(), null, Set.of(), uid, null);
    }

    /** The devices of one slice, each knowing where it may be used. */
    public static List<Device> devices(ResourceSlice slice) {
        var spec = slice.getSpec();
        List<Device> out = new ArrayList<>();
        if (spec == null || spec.getDevices() == null) {
            return out;
        }
        String driver = spec.getDriver();
        String pool = spec.getPool() == null ? "" : spec.getPool().getName();
        for (var d : spec.getDevices()) {
            String node = spec.getNodeName();
            RequiredNodeAffinity selector = nodeSelector(spec.getNodeSelector());
            if (Boolean.TRUE.equals(spec.getPerDeviceNodeSelection())) {
                node = d.getNodeName();
                selector = Boolean.TRUE.equals(d.getAllNodes()) ? null : nodeSelector(d.getNodeSelector());
            }
            TreeMap<String, Object> attributes = new TreeMap<>();
            if (d.getAttributes() != null) {
                d.getAttributes().forEach((k, v) -> {
                    Object value = value(v);
                    if (value != null) {
                        attributes.put(qualified(driver, k), value);
                    }
                });
            }
            TreeMap<String, BigDecimal> capacity = new TreeMap<>();
            if (d.getCapacity() != null) {
                d.getCapacity().forEach((k, v) -> {
                    if (v != null && v.getValue() != null) {
                        try {
                            capacity.put(qualified(driver, k), Quantity.getAmountInBytes(v.getValue()));
                        } catch (RuntimeException e) {
                            // a capacity that does not parse is one no selector can compare: left out
                        }
                    }
                });
            }
            List<Device.Taint> taints = new ArrayList<>();
            if (d.getTaints() != null) {
                d.getTaints().forEach(t -> taints.add(new Device.Taint(t.getKey(), t.getValue(), t.getEffect())));
            }
            out.add(new Device(driver, pool, d.getName(), node, node == null ? selector : null, attributes, capacity, taints));
        }
        return out;
    }

    private static String qualified(String driver, String name) {
        return name.contains("/") ? name : driver + "/" + name;
    }

    private static Object value(DeviceAttribute a) {
        if (a == null) {
            return null;
        }
        if (a.getInt() != null) {
            return a.getInt();
        }
        if (a.getBool() != null) {
            return a.getBool();
        }
        if (a.getVersion() != null) {
            return new Device.Semver(a.getVersion());
        }
        return a.getString();
    }

    private static RequiredNodeAffinity nodeSelector(NodeSelector s) {
        return s == null ? null : KubeObjects.nodeSelector(s);
    }

    /**
     * A DeviceClass. Its devices count in queues as {@code countsAs.get(name)} when the configuration names the
     * class, else as the class's {@code extendedResourceName}, else, for NVIDIA's GPU class, as nvidia.com/gpu.
     */
    public static DeviceClassInfo deviceClass(DeviceClass c, Map<String, String> countsAs) {
        String name = c.getMetadata().getName();
        List<String> selectors = c.getSpec() == null ? List.of() : celSelectors(c.getSpec().getSelectors());
        String counted = countsAs.get(name);
        if (counted == null && c.getSpec() != null && c.getSpec().getExtendedResourceName() != null) {
            counted = c.getSpec().getExtendedResourceName();
        }
        if (counted == null && NVIDIA_GPU_CLASS.equals(name)) {
            counted = Keys.GPU;
        }
        return new DeviceClassInfo(name, selectors, counted == null || counted.isEmpty() ? null : counted);
    }

    private static List<String> celSelectors(List<DeviceSelector> in) {
        List<String> out = new ArrayList<>();
        for (DeviceSelector s : in == null ? List.<DeviceSelector>of() : in) {
            if (s.getCel() != null && s.getCel().getExpression() != null) {
                out.add(s.getCel().getExpression());
            }
        }
        return out;
    }

    public static ClaimInfo claim(ResourceClaim c) {
        var md = c.getMetadata();
        ClaimInfo spec = fromSpec(md.getNamespace() == null ? "default" : md.getNamespace(), md.getName(), md.getUid(),
                c.getSpec());
        var status = c.getStatus();
        if (status == null) {
            return spec;
        }
        List<ClaimInfo.Allocated> allocated = new ArrayList<>();
        String node = null;
        if (status.getAllocation() != null) {
            var a = status.getAllocation();
            if (a.getDevices() != null && a.getDevices().getResults() != null) {
                a.getDevices().getResults().forEach(r -> allocated.add(new ClaimInfo.Allocated(r.getRequest(),
                        new Device.Id(r.getDriver(), r.getPool(), r.getDevice()))));
            }
            node = allocatedNode(a.getNodeSelector());
        }
        Set<String> reservedFor = new TreeSet<>();
        for (ResourceClaimConsumerReference ref : status.getReservedFor() == null
                ? List.<ResourceClaimConsumerReference>of() : status.getReservedFor()) {
            if ("pods".equals(ref.getResource()) && (ref.getApiGroup() == null || ref.getApiGroup().isEmpty())) {
                reservedFor.add(spec.namespace() + "/" + ref.getName());
            }
        }
        return new ClaimInfo(spec.namespace(), spec.name(), spec.uid(), spec.requests(), spec.constraints(), allocated, node,
                reservedFor, spec.computeDomain(), spec.invalidReason());
    }

    /** The claim a template stands for (its spec, nothing allocated), named after the template. */
    public static ClaimInfo template(ResourceClaimTemplate t) {
        var md = t.getMetadata();
        return fromSpec(md.getNamespace() == null ? "default" : md.getNamespace(), md.getName(), md.getUid(),
                t.getSpec() == null ? null : t.getSpec().getSpec());
    }

    /** The node an allocation's node selector names (one metadata.name field), or null when it names none. */
    static String allocatedNode(NodeSelector s) {
        if (s == null || s.getNodeSelectorTerms() == null || s.getNodeSelectorTerms().size() != 1) {
            return null;
        }
        var t = s.getNodeSelectorTerms().get(0);
        if (t.getMatchFields() != null && t.getMatchFields().size() == 1) {
            var f = t.getMatchFields().get(0);
            if ("metadata.name".equals(f.getKey()) && "In".equals(f.getOperator()) && f.getValues() != null
                    && f.getValues().size() == 1) {
                return f.getValues().get(0);
            }
        }
        return null;
    }

    static ClaimInfo fromSpec(String namespace, String name, String uid, ResourceClaimSpec spec) {
        DeviceClaim devices = spec == null ? null : spec.getDevices();
        List<ClaimInfo.Request> requests = new ArrayList<>();
        List<ClaimInfo.MatchAttribute> constraints = new ArrayList<>();
        String invalid = null;
        String computeDomain = null;
        if (devices != null) {
            for (DeviceRequest r : devices.getRequests() == null ? List.<DeviceRequest>of() : devices.getRequests()) {
                ExactDeviceRequest e = r.getExactly();
                if (e == null) {
                    invalid = invalid != null ? invalid : "request " + r.getName()
                            + " lists devices to choose from (firstAvailable), which Phalanx does not allocate";
                    continue;
                }
                if (Boolean.TRUE.equals(e.getAdminAccess())) {
                    invalid = invalid != null ? invalid : "request " + r.getName() + " asks for admin access to devices, "
                            + "which Phalanx does not allocate";
                }
                if (e.getCapacity() != null && e.getCapacity().getRequests() != null && !e.getCapacity().getRequests().isEmpty()) {
                    invalid = invalid != null ? invalid : "request " + r.getName() + " asks for a share of a device's capacity, "
                            + "which Phalanx does not allocate";
                }
                boolean all = "All".equals(e.getAllocationMode());
                long count = e.getCount() == null ? 1 : e.getCount();
                List<ClaimInfo.Toleration> tolerations = new ArrayList<>();
                for (DeviceToleration t : e.getTolerations() == null ? List.<DeviceToleration>of() : e.getTolerations()) {
                    tolerations.add(new ClaimInfo.Toleration(t.getKey(), t.getOperator(), t.getValue(), t.getEffect()));
                }
                requests.add(new ClaimInfo.Request(r.getName(), e.getDeviceClassName(), celSelectors(e.getSelectors()), all,
                        (int) Math.min(count, Integer.MAX_VALUE), tolerations));
            }
            for (DeviceConstraint c : devices.getConstraints() == null ? List.<DeviceConstraint>of() : devices.getConstraints()) {
                if (c.getDistinctAttribute() != null) {
                    invalid = invalid != null ? invalid : "constraint distinctAttribute " + c.getDistinctAttribute()
                            + " is not one Phalanx allocates by";
                } else if (c.getMatchAttribute() != null) {
                    constraints.add(new ClaimInfo.MatchAttribute(c.getRequests() == null ? List.of() : c.getRequests(),
                            c.getMatchAttribute()));
                }
            }
            for (DeviceClaimConfiguration cfg : devices.getConfig() == null ? List.<DeviceClaimConfiguration>of() : devices.getConfig()) {
                if (cfg.getOpaque() != null && COMPUTE_DOMAIN_DRIVER.equals(cfg.getOpaque().getDriver())) {
                    Map<?, ?> params = asMap(cfg.getOpaque().getParameters());
                    if (CHANNEL_CONFIG_KIND.equals(params.get("kind")) && params.get("domainID") != null) {
                        computeDomain = String.valueOf(params.get("domainID"));
                    }
                }
            }
        }
        if (invalid == null && requests.isEmpty() && invalidRequestsOf(devices)) {
            invalid = "it requests no devices";
        }
        return new ClaimInfo(namespace, name, uid, requests, constraints, List.of(), null, Set.of(), computeDomain, invalid);
    }

    /** Opaque parameters as a map, whether read as one or as a typed object (they carry apiVersion and kind). */
    private static Map<?, ?> asMap(Object parameters) {
        if (parameters == null) {
            return Map.of();
        }
        if (parameters instanceof Map<?, ?> m) {
            return m;
        }
        try {
            return io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().convertValue(parameters, Map.class);
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private static boolean invalidRequestsOf(DeviceClaim devices) {
        return devices == null || devices.getRequests() == null || devices.getRequests().isEmpty();
    }
}
