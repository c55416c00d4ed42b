package dev.phalanx.testing;

import dev.phalanx.core.kube.DraObjects;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttributeBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClassBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceSelectorBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimSpec;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplateBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSliceBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DRA objects as NVIDIA's DRA driver publishes and uses them (kubernetes-sigs/dra-driver-nvidia-gpu): a GPU class
 * and per-node GPU slices ({@code gpu.nvidia.com}), the ComputeDomain channel class and per-node channel slices
 * ({@code compute-domain.nvidia.com}), claim templates for GPUs, and the channel template the compute-domain
 * controller makes for a ComputeDomain.
 */
public final class Dra {
    public static final String GPU_DRIVER = DraObjects.NVIDIA_GPU_CLASS;
    public static final String CD_DRIVER = DraObjects.COMPUTE_DOMAIN_DRIVER;

    private Dra() {
    }

    public static DeviceClass gpuClass() {
        return deviceClass(GPU_DRIVER, "device.driver == 'gpu.nvidia.com' && device.attributes['gpu.nvidia.com'].type == 'gpu'");
    }

    public static DeviceClass channelClass() {
        return deviceClass(DraObjects.CHANNEL_CLASS, "device.driver == 'compute-domain.nvidia.com' && "
                + "device.attributes['compute-domain.nvidia.com'].type == 'channel' && "
                + "device.attributes['compute-domain.nvidia.com'].id == 0");
    }

    public static DeviceClass deviceClass(String name, String selector) {
        return new DeviceClassBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withSelectors(new DeviceSelectorBuilder().withNewCel().withExpression(selector).endCel().build())
                .endSpec().build();
    }

    /** {@code gpus} GPUs of model {@code product} on {@code node}, one pool named after the node. */
    public static ResourceSlice gpuSlice(String node, int gpus, String product) {
        List<io.fabric8.kubernetes.api.model.resource.v1.Device> devices = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            Map<String, DeviceAttribute> a = new LinkedHashMap<>();
            a.put("type", new DeviceAttributeBuilder().withString("gpu").build());
            a.put("index", new DeviceAttributeBuilder().withInt((long) i).build());
            a.put("productName", new DeviceAttributeBuilder().withString(product).build());
            a.put("uuid", new DeviceAttributeBuilder().withString("GPU-" + node + "-" + i).build());
            devices.add(new DeviceBuilder().withName("gpu-" + i).withAttributes(a).build());
        }
        return slice(node + "-gpu", GPU_DRIVER, node, devices);
    }

    /** The channel and daemon devices the compute-domain plugin publishes on {@code node}. */
    public static ResourceSlice channelSlice(String node) {
        List<io.fabric8.kubernetes.api.model.resource.v1.Device> devices = new ArrayList<>();
        for (String type : List.of("channel", "daemon")) {
            devices.add(new DeviceBuilder().withName(type + "-0").withAttributes(Map.of(
                    "type", new DeviceAttributeBuilder().withString(type).build(),
                    "id", new DeviceAttributeBuilder().withInt(0L).build())).build());
        }
        return slice(node + "-cd", CD_DRIVER, node, devices);
    }

    private static ResourceSlice slice(String name, String driver, String node,
                                       List<io.fabric8.kubernetes.api.model.resource.v1.Device> devices) {
        return new ResourceSliceBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withDriver(driver)
                .withNodeName(node).withNewPool().withName(node).withGeneration(1L).withResourceSliceCount(1L).endPool()
                .withDevices(devices).endSpec().build();
    }

    /** A claim spec for {@code count} GPUs passing {@code selectors}, in a request named gpus. */
    public static ResourceClaimSpec gpus(int count, String... selectors) {
        var exactly = new io.fabric8.kubernetes.api.model.resource.v1.ExactDeviceRequestBuilder().withDeviceClassName(GPU_DRIVER)
                .withAllocationMode("ExactCount").withCount((long) count);
        for (String s : selectors) {
            exactly.addToSelectors(new DeviceSelectorBuilder().withNewCel().withExpression(s).endCel().build());
        }
        return new ResourceClaimSpecBuilder().withNewDevices()
                .withRequests(new DeviceRequestBuilder().withName("gpus").withExactly(exactly.build()).build())
                .endDevices().build();
    }

    public static ResourceClaimTemplate template(String namespace, String name, ResourceClaimSpec spec) {
        return new ResourceClaimTemplateBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withSpec(spec).endSpec().build();
    }

    public static ResourceClaim claim(String namespace, String name, ResourceClaimSpec spec) {
        return new ResourceClaimBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withSpec(spec).build();
    }

    /**
     * The template NVIDIA's compute-domain controller makes for ComputeDomain {@code domainUid}: one request
     * channel of the default channel class, configured with the domain's uid.
     */
    public static ResourceClaimTemplate channelTemplate(String namespace, String name, String domainUid) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("apiVersion", DraObjects.COMPUTE_DOMAIN_API);
        params.put("kind", DraObjects.CHANNEL_CONFIG_KIND);
        params.put("domainID", domainUid);
        params.put("allocationMode", "Single");
        ResourceClaimSpec spec = new ResourceClaimSpecBuilder().withNewDevices()
                .withRequests(new DeviceRequestBuilder().withName("channel").withNewExactly()
                        .withDeviceClassName(DraObjects.CHANNEL_CLASS).endExactly().build())
                .addNewConfig().withRequests("channel").withNewOpaque().withDriver(CD_DRIVER).withParameters(params)
                .endOpaque().endConfig().endDevices().build();
        return template(namespace, name, spec);
    }
}
