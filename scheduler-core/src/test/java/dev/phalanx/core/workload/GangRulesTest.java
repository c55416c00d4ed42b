package dev.phalanx.core.workload;

import dev.phalanx.core.model.Keys;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.pod;
import static org.assertj.core.api.Assertions.assertThat;

/** The gang each workload kind implies for its pods, and what its annotations change. */
class GangRulesTest {
    private static GenericKubernetesResource owner(String apiVersion, String kind, String name, Map<String, Object> spec,
                                                   String... annotations) {
        var b = new GenericKubernetesResourceBuilder().withApiVersion(apiVersion).withKind(kind).withNewMetadata()
                .withName(name).withNamespace("ml").withUid(kind + "-" + name + "-uid");
        for (int i = 0; i + 1 < annotations.length; i += 2) {
            b.addToAnnotations(annotations[i], annotations[i + 1]);
        }
        return b.endMetadata().addToAdditionalProperties("spec", spec).build();
    }

    private static Pod member() {
        return pod("ml", "p-0").gpus(1).build();
    }

    private static GangRules.Group group(GangRules.Decision d) {
        assertThat(d).isInstanceOf(GangRules.Group.class);
        return (GangRules.Group) d;
    }

    @Test
    void aJobIsAGangOfItsParallelismBoundedByItsCompletions() {
        var job = owner("batch/v1", "Job", "train", Map.of("parallelism", 8, "completions", 16));
        GangRules.Group g = group(GangRules.decide(member(), List.of(job)));
        assertThat(g.name()).isEqualTo("job-train");
        assertThat(g.minMember()).isEqualTo(8);
        assertThat(g.owner().kind()).isEqualTo("Job");
        assertThat(group(GangRules.decide(member(), List.of(owner("batch/v1", "Job", "few",
                Map.of("parallelism", 8, "completions", 3))))).minMember()).isEqualTo(3);
        assertThat(group(GangRules.decide(member(), List.of(owner("batch/v1", "Job", "one", Map.of())))).minMember()).isEqualTo(1);
    }

    @Test
    void aCronJobsJobsAreGangsOfTheirOwn() {
        var job = owner("batch/v1", "Job", "nightly-29000", Map.of("parallelism", 4));
        var cron = owner("batch/v1", "CronJob", "nightly", Map.of());
        GangRules.Group g = group(GangRules.decide(member(), List.of(job, cron)));
        assertThat(g.name()).isEqualTo("job-nightly-29000");
        assertThat(g.owner().name()).isEqualTo("nightly-29000");
        assertThat(g.top().kind()).isEqualTo("CronJob");
    }

    @Test
    void aJobSetIsOneGangOfAllItsReplicatedJobsPods() {
        var job = owner("batch/v1", "Job", "js-workers-0", Map.of("parallelism", 4));
        var jobSet = owner("jobset.x-k8s.io/v1alpha2", "JobSet", "js", Map.of("replicatedJobs", List.of(
                Map.of("name", "leader", "replicas", 1, "template", Map.of("spec", Map.of("parallelism", 1))),
                Map.of("name", "workers", "replicas", 2, "template", Map.of("spec", Map.of("parallelism", 4, "completions", 4))))));
        var trainJob = owner("trainer.kubeflow.org/v1alpha1", "TrainJob", "js", Map.of());
        GangRules.Group g = group(GangRules.decide(member(), List.of(job, jobSet, trainJob)));
        assertThat(g.name()).isEqualTo("jobset-js");
        assertThat(g.minMember()).isEqualTo(9);
        assertThat(g.derivation()).isEqualTo("replicated jobs 1x1 leader + 2x4 workers");
        assertThat(g.top().kind()).isEqualTo("TrainJob");
    }

    @Test
    void kubeflowJobsAreTheSumOfTheirReplicasOrTheirMinAvailable() {
        var pytorch = owner("kubeflow.org/v1", "PyTorchJob", "llama", Map.of("pytorchReplicaSpecs", Map.of(
                "Master", Map.of("replicas", 1), "Worker", Map.of("replicas", 7))));
        assertThat(group(GangRules.decide(member(), List.of(pytorch))).minMember()).isEqualTo(8);
        var mpi = owner("kubeflow.org/v2beta1", "MPIJob", "allreduce", Map.of("runPolicy", Map.of("schedulingPolicy",
                Map.of("minAvailable", 5)), "mpiReplicaSpecs", Map.of("Launcher", Map.of("replicas", 1), "Worker", Map.of("replicas", 8))));
        GangRules.Group g = group(GangRules.decide(member(), List.of(owner("batch/v1", "Job", "allreduce-launcher", Map.of()), mpi)));
        assertThat(g.name()).isEqualTo("mpijob-allreduce");
        assertThat(g.minMember()).isEqualTo(5);
    }

    @Test
    void aRayClusterIsItsHeadAndItsWorkersMinimum() {
        var cluster = owner("ray.io/v1", "RayCluster", "rc", Map.of("headGroupSpec", Map.of(), "workerGroupSpecs", List.of(
                Map.of("groupName", "gpu", "replicas", 4, "minReplicas", 2, "maxReplicas", 8),
                Map.of("groupName", "cpu", "replicas", 1))));
        var rayJob = owner("ray.io/v1", "RayJob", "rj", Map.of());
        GangRules.Group g = group(GangRules.decide(member(), List.of(cluster, rayJob)));
        assertThat(g.name()).isEqualTo("raycluster-rc");
        assertThat(g.minMember()).isEqualTo(4);
        // the RayJob's submitter runs on its own
        assertThat(group(GangRules.decide(member(), List.of(owner("batch/v1", "Job", "rj-submit", Map.of()), rayJob)))
                .name()).isEqualTo("job-rj-submit");
    }

    @Test
    void aLeaderWorkerSetIsOneGangPerGroup() {
        var lws = owner("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", "serve", Map.of("replicas", 3,
                "leaderWorkerTemplate", Map.of("size", 4)));
        Pod worker = pod("ml", "serve-1-2").gpus(1).build();
        worker.getMetadata().getLabels().put("leaderworkerset.sigs.k8s.io/group-index", "1");
        var groupSts = owner("apps/v1", "StatefulSet", "serve-1", Map.of());
        var leader = owner("v1", "Pod", "serve-1", Map.of());
        var leaderSts = owner("apps/v1", "StatefulSet", "serve", Map.of());
        GangRules.Group g = group(GangRules.decide(worker, List.of(groupSts, leader, leaderSts, lws)));
        assertThat(g.name()).isEqualTo("leaderworkerset-serve-1");
        assertThat(g.minMember()).isEqualTo(4);
    }

    @Test
    void deploymentsAndBarePodsRunAloneUnlessTheyAskAndUnknownKindsAreFollowedToTheTop() {
        var rs = owner("apps/v1", "ReplicaSet", "web-abc", Map.of("replicas", 3));
        var deploy = owner("apps/v1", "Deployment", "web", Map.of("replicas", 3));
        assertThat(GangRules.decide(member(), List.of(rs, deploy))).isInstanceOf(GangRules.Alone.class);
        assertThat(GangRules.decide(member(), List.of())).isInstanceOf(GangRules.Alone.class);
        var asking = owner("apps/v1", "Deployment", "web", Map.of("replicas", 3), Keys.GANG_ANNOTATION, "true");
        assertThat(group(GangRules.decide(member(), List.of(rs, asking))).minMember()).isEqualTo(3);
        var custom = owner("example.com/v1", "Trainer", "t", Map.of(), Keys.MIN_MEMBER_ANNOTATION, "6");
        GangRules.Group g = group(GangRules.decide(member(), List.of(owner("example.com/v1", "Worker", "w", Map.of()), custom)));
        assertThat(g.name()).isEqualTo("trainer-t");
        assertThat(g.minMember()).isEqualTo(6);
    }

    @Test
    void annotationsOnTheWorkloadOverrideWhatWasDerivedOrOptOut() {
        var job = owner("batch/v1", "Job", "train", Map.of("parallelism", 8), Keys.MIN_MEMBER_ANNOTATION, "6",
                Keys.TOPOLOGY_REQUIRED_ANNOTATION, Keys.CLIQUE_LABEL, Keys.SEGMENT_SIZE_ANNOTATION, "4");
        GangRules.Group g = group(GangRules.decide(member(), List.of(job)));
        assertThat(g.minMember()).isEqualTo(6);
        assertThat(g.topologyRequired()).isEqualTo(Keys.CLIQUE_LABEL);
        assertThat(g.segmentSize()).isEqualTo(4);
        assertThat(g.spec().getTopology().getSegmentSize()).isEqualTo(4);
        assertThat(g.spec().getTopology().getSegmentRequired()).as("segments stay in one NVLink domain unless told")
                .isEqualTo(Keys.CLIQUE_LABEL);
        var out = owner("batch/v1", "Job", "train", Map.of("parallelism", 8), Keys.GANG_ANNOTATION, "false");
        assertThat(GangRules.decide(member(), List.of(out))).isInstanceOf(GangRules.Alone.class);
    }

    @Test
    void theQueueComesFromTheWorkloadsLabelElseThePods() {
        var labelled = new GenericKubernetesResourceBuilder().withApiVersion("batch/v1").withKind("Job").withNewMetadata()
                .withName("j").withNamespace("ml").addToLabels(Keys.QUEUE_LABEL, "llm").endMetadata()
                .addToAdditionalProperties("spec", Map.of()).build();
        assertThat(group(GangRules.decide(member(), List.of(labelled))).queue()).isEqualTo("llm");
        Pod p = pod("ml", "p").queue("vision").build();
        assertThat(group(GangRules.decide(p, List.of(owner("batch/v1", "Job", "j", Map.of())))).queue()).isEqualTo("vision");
    }
}
