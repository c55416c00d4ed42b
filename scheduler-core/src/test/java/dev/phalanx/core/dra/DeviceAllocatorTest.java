package dev.phalanx.core.dra;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** CEL device selectors with the Kubernetes DRA variables, and devices chosen for claims. */
class DeviceAllocatorTest {
    private static final String GPU = "gpu.nvidia.com";
    private final DeviceSelectors cel = new DeviceSelectors();
    private final DeviceAllocator allocator = new DeviceAllocator(cel, Map.of(
            "gpu.nvidia.com", new DeviceClassInfo("gpu.nvidia.com", List.of("device.driver == 'gpu.nvidia.com'"), "nvidia.com/gpu")));

    static Device gpu(String node, int index, String product, long memoryGi, String clique, Device.Taint... taints) {
        TreeMap<String, Object> attrs = new TreeMap<>(Map.of(GPU + "/productName", product, GPU + "/index", (long) index,
                GPU + "/cliqueId", clique, GPU + "/driverVersion", new Device.Semver("580.65.6")));
        TreeMap<String, BigDecimal> cap = new TreeMap<>(Map.of(GPU + "/memory", BigDecimal.valueOf(memoryGi << 30)));
        return new Device(GPU, node, "gpu-" + index, node, null, attrs, cap, List.of(taints));
    }

    static ClaimInfo claim(String name, List<ClaimInfo.Request> requests, List<ClaimInfo.MatchAttribute> constraints) {
        return new ClaimInfo("ml", name, name + "-uid", requests, constraints, List.of(), null, Set.of(), null, null);
    }

    static ClaimInfo.Request request(String name, int count, String... selectors) {
        return new ClaimInfo.Request(name, GPU, List.of(selectors), false, count, List.of());
    }

    @Test
    void selectorsSeeDriverAttributesCapacityAndVersions() {
        Device d = gpu("n0", 2, "NVIDIA GB200", 186, "c1");
        assertThat(cel.selects("device.driver == 'gpu.nvidia.com'", d)).isTrue();
        assertThat(cel.selects("device.attributes['gpu.nvidia.com'].productName == 'NVIDIA GB200'", d)).isTrue();
        assertThat(cel.selects("device.attributes['gpu.nvidia.com'].index >= 4", d)).isFalse();
        assertThat(cel.selects("device.capacity['gpu.nvidia.com'].memory.compareTo(quantity('80Gi')) >= 0", d)).isTrue();
        assertThat(cel.selects("device.capacity['gpu.nvidia.com'].memory.isLessThan(quantity('100Gi'))", d)).isFalse();
        assertThat(cel.selects("device.attributes['gpu.nvidia.com'].driverVersion.isGreaterThan(semver('575.0.0'))", d)).isTrue();
        // an attribute the device lacks fails the expression for that device: it is not selected
        assertThat(cel.selects("device.attributes['dra.example.com'].model == 'x'", d)).isFalse();
        assertThat(cel.problem("device.driver ==")).startsWith("the CEL expression device.driver == does not compile");
        assertThat(cel.problem("1 + 'a' == 2")).contains("does not compile");
    }

    @Test
    void exactCountTakesThatManyMatchingDevicesAndAllTakesEveryOne() {
        List<Device> free = List.of(gpu("n0", 0, "NVIDIA H100", 80, "a"), gpu("n0", 1, "NVIDIA GB200", 186, "a"),
                gpu("n0", 2, "NVIDIA GB200", 186, "a"), gpu("n0", 3, "NVIDIA GB200", 186, "a"));
        var two = allocator.allocate(claim("two", List.of(request("gpus", 2,
                "device.attributes['gpu.nvidia.com'].productName == 'NVIDIA GB200'")), List.of()), free);
        assertThat(two.devices()).extracting(a -> a.device().device()).containsExactly("gpu-1", "gpu-2");
        var all = allocator.allocate(claim("all", List.of(new ClaimInfo.Request("gpus", GPU, List.of(), true, 0, List.of())),
                List.of()), free);
        assertThat(all.devices()).hasSize(4);
    }

    @Test
    void aClaimThatCannotBeMetSaysWhichRequestAndHowManyMatch() {
        List<Device> free = List.of(gpu("n0", 0, "NVIDIA GB200", 186, "a"), gpu("n0", 1, "NVIDIA GB200", 186, "a"),
                gpu("n0", 2, "NVIDIA H100", 80, "a"));
        var r = allocator.allocate(claim("c", List.of(request("gpus", 4,
                "device.attributes['gpu.nvidia.com'].productName == \"NVIDIA GB200\"")), List.of()), free);
        assertThat(r.allocated()).isFalse();
        assertThat(r.matching()).isEqualTo(2);
        assertThat(r.problem()).isEqualTo("request gpus needs 4 devices of class gpu.nvidia.com with "
                + "device.attributes['gpu.nvidia.com'].productName == \"NVIDIA GB200\"; 2 free here");
        var unknown = allocator.allocate(claim("u", List.of(new ClaimInfo.Request("x", "fpga.example.com", List.of(), false, 1,
                List.of())), List.of()), free);
        assertThat(unknown.problem()).isEqualTo("request x asks for DeviceClass fpga.example.com, which does not exist");
    }

    @Test
    void severalRequestsGetDistinctDevicesAndMatchAttributeKeepsThemOnOneValue() {
        List<Device> free = List.of(gpu("n0", 0, "NVIDIA GB200", 186, "a"), gpu("n0", 1, "NVIDIA GB200", 186, "b"),
                gpu("n0", 2, "NVIDIA GB200", 186, "b"), gpu("n0", 3, "NVIDIA GB200", 186, "b"));
        var r = allocator.allocate(claim("c", List.of(request("first", 1), request("second", 2)),
                List.of(new ClaimInfo.MatchAttribute(List.of(), GPU + "/cliqueId"))), free);
        // clique a has one device, too few for both requests: all three come from clique b
        assertThat(r.devices()).extracting(a -> a.request() + "=" + a.device().device())
                .containsExactly("first=gpu-1", "second=gpu-2", "second=gpu-3");
    }

    @Test
    void aTaintedDeviceIsGivenOnlyToARequestThatToleratesIt() {
        Device.Taint unhealthy = new Device.Taint("gpu.nvidia.com/unhealthy", "xid-79", "NoSchedule");
        List<Device> free = List.of(gpu("n0", 0, "NVIDIA GB200", 186, "a", unhealthy), gpu("n0", 1, "NVIDIA GB200", 186, "a"));
        assertThat(allocator.allocate(claim("c", List.of(request("gpus", 2)), List.of()), free).allocated()).isFalse();
        var tolerating = new ClaimInfo.Request("gpus", GPU, List.of(), false, 2,
                List.of(new ClaimInfo.Toleration("gpu.nvidia.com/unhealthy", "Exists", null, null)));
        assertThat(allocator.allocate(claim("t", List.of(tolerating), List.of()), free).allocated()).isTrue();
    }
}
