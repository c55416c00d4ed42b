package dev.phalanx.core.kube;

import dev.phalanx.core.dra.ClaimInfo;
import dev.phalanx.core.dra.Device;
import dev.phalanx.core.model.Keys;
import dev.phalanx.testing.Dra;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimSpecBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** DRA objects as NVIDIA's driver publishes and uses them, read into the model. */
class DraObjectsTest {
    @Test
    void aSlicesDevicesKeepTheirNodePoolAndAttributesQualifiedByTheDriver() {
        var devices = DraObjects.devices(Dra.gpuSlice("n0", 2, "NVIDIA GB200"));
        assertThat(devices).extracting(Device::name).containsExactly("gpu-0", "gpu-1");
        Device d = devices.get(1);
        assertThat(d.node()).isEqualTo("n0");
        assertThat(d.pool()).isEqualTo("n0");
        assertThat(d.attribute("gpu.nvidia.com/productName")).isEqualTo("NVIDIA GB200");
        assertThat(d.attribute("index")).isEqualTo(1L);
    }

    @Test
    void aDeviceClassCountsAsTheConfiguredResourceElseNvidiasGpuClassAsGpus() {
        assertThat(DraObjects.deviceClass(Dra.gpuClass(), Map.of()).countsAs()).isEqualTo(Keys.GPU);
        assertThat(DraObjects.deviceClass(Dra.channelClass(), Map.of()).countsAs()).isNull();
        assertThat(DraObjects.deviceClass(Dra.gpuClass(), Map.of("gpu.nvidia.com", "example.com/accel")).countsAs())
                .isEqualTo("example.com/accel");
    }

    @Test
    void aChannelTemplateNamesItsComputeDomainAndWhatPhalanxCannotAllocateIsRefusedNamingTheField() {
        assertThat(DraObjects.template(Dra.channelTemplate("ml", "ch", "uid-1")).computeDomain()).isEqualTo("uid-1");
        ClaimInfo prioritized = DraObjects.claim(Dra.claim("ml", "c", new ResourceClaimSpecBuilder().withNewDevices()
                .withRequests(new DeviceRequestBuilder().withName("gpu").addNewFirstAvailable().withName("big")
                        .withDeviceClassName("gpu.nvidia.com").endFirstAvailable().build()).endDevices().build()));
        assertThat(prioritized.invalidReason()).contains("request gpu").contains("firstAvailable");
        ClaimInfo four = DraObjects.claim(Dra.claim("ml", "four", Dra.gpus(4, "device.attributes['gpu.nvidia.com'].index < 4")));
        assertThat(four.invalidReason()).isNull();
        assertThat(four.requests()).singleElement().satisfies(r -> {
            assertThat(r.count()).isEqualTo(4);
            assertThat(r.all()).isFalse();
            assertThat(r.selectors()).containsExactly("device.attributes['gpu.nvidia.com'].index < 4");
        });
    }
}
