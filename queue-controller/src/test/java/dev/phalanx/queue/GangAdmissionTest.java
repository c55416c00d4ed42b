package dev.phalanx.queue;

import dev.phalanx.core.cycle.AdmissionPolicy;
import dev.phalanx.core.cycle.FairShares;
import dev.phalanx.core.cycle.GangDecision;
import dev.phalanx.core.cycle.QueueUsage;
import dev.phalanx.core.kube.KubeObjects;
import dev.phalanx.core.model.Gang;
import dev.phalanx.core.model.Keys;
import dev.phalanx.core.model.PodGroupInfo;
import dev.phalanx.core.model.PodInfo;
import dev.phalanx.core.model.QueueInfo;
import dev.phalanx.core.model.Snapshot;

import dev.phalanx.core.model.SnapshotAssembler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.phalanx.testing.Testing.node;
import static dev.phalanx.testing.Testing.pod;
import static dev.phalanx.testing.Testing.podGroup;
import static dev.phalanx.testing.Testing.queue;
import static org.assertj.core.api.Assertions.assertThat;

class GangAdmissionTest {
    private final GangAdmission admission = new GangAdmission();

    private static PodGroupInfo group(String name, int minMember, long createdAt, String pc) {
        return KubeObjects.podGroup(podGroup("ns", name, minMember).queue("q").priorityClass(pc).build(), createdAt);
    }

    private static List<PodInfo> members(String group, int n, int gpus, String node) {
        List<PodInfo> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var b = pod("ns", group + "-" + i).group(group).gpus(gpus);
            if (node != null) {
                b.onNode(node);
            }
            out.add(KubeObjects.pod(b.build(), x -> 0, 0));
        }
        return out;
    }

    private static Snapshot snapshot(String limit, List<PodInfo> pods, PodGroupInfo... groups) {
        QueueInfo q = KubeObjects.queue(queue("q").gpu("0", 1, limit).build(), 0);
        return new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, List.of(KubeObjects.node(node("n", 64))), pods,
                List.of(groups), Map.of("q", q), Map.of(), Map.of("high", 100));
    }

    @Test
    void higherPriorityFirstThenFirstComeFirstServed() {
        List<PodInfo> pods = new ArrayList<>();
        pods.addAll(members("late", 1, 1, null));
        pods.addAll(members("early", 1, 1, null));
        pods.addAll(members("urgent", 1, 1, null));
        Snapshot s = snapshot("-1", pods, group("late", 1, 20, null), group("early", 1, 10, null), group("urgent", 1, 30, "high"));
        AdmissionPolicy.Ranking r = admission.order(s, FairShares.NONE, new QueueUsage(s));
        assertThat(r.ready()).extracting(Gang::name).containsExactly("urgent", "early", "late");
    }

    @Test
    void aGangWaitsUntilAllMinMemberPodsExist() {
        Snapshot s = snapshot("-1", members("g", 3, 1, null), group("g", 4, 0, null));
        AdmissionPolicy.Ranking r = admission.order(s, FairShares.NONE, new QueueUsage(s));
        assertThat(r.ready()).isEmpty();
        assertThat(r.notReady().get("ns/g").message()).isEqualTo("WaitingForMembers: 3 of minMember 4 pods exist");
    }

    @Test
    void aGangOverItsQueueLimitWaitsAndSaysByHowMuch() {
        List<PodInfo> pods = new ArrayList<>(members("running", 7, 8, "n"));
        pods.addAll(members("big", 2, 8, null));
        Snapshot s = snapshot("64", pods, group("running", 7, 0, null), group("big", 2, 1, null));
        Gang big = s.gangs().stream().filter(g -> g.name().equals("big")).findFirst().orElseThrow();
        GangDecision d = admission.check(big, new QueueUsage(s));
        assertThat(d.message()).isEqualTo("QueueOverLimit: needs 16 nvidia.com/gpu, queue q has 56 of its limit 64 in use");
    }

    @Test
    void invalidGangsAreReportedNotRanked() {
        Snapshot s = snapshot("-1", members("z", 1, 1, null), group("z", 0, 0, null));
        AdmissionPolicy.Ranking r = admission.order(s, FairShares.NONE, new QueueUsage(s));
        assertThat(r.ready()).isEmpty();
        assertThat(r.notReady().get("ns/z").outcome()).isEqualTo(GangDecision.Outcome.INVALID);
    }

    @Test
    void acrossQueuesTheQueueFurthestBelowItsFairShareGoesFirst() {
        // a holds 8 of its 8 fair share GPUs, b holds 0 of 8: b's gang goes first though it came later
        QueueInfo a = KubeObjects.queue(queue("a").gpu("8", 1, "-1").build(), 0);
        QueueInfo b = KubeObjects.queue(queue("b").gpu("8", 1, "-1").build(), 0);
        List<PodInfo> pods = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pods.add(KubeObjects.pod(pod("ns", "run-" + i).queue("a").gpus(1).onNode("n").build(), x -> 0, 0));
        }
        pods.add(KubeObjects.pod(pod("ns", "a-next").queue("a").gpus(1).build(), x -> 0, 1));
        pods.add(KubeObjects.pod(pod("ns", "b-next").queue("b").gpus(1).build(), x -> 0, 2));
        pods.add(KubeObjects.pod(pod("ns", "b-later").queue("b").gpus(1).build(), x -> 0, 3));
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, List.of(KubeObjects.node(node("n", 64))), pods,
                List.of(), Map.of("a", a, "b", b), Map.of(), Map.of());
        FairShares shares = new FairShareCalculator().compute(s);
        AdmissionPolicy.Ranking r = admission.order(s, shares, new QueueUsage(s));
        assertThat(r.ready()).extracting(Gang::name).containsExactly("b-next", "b-later", "a-next");
        AdmissionPolicy.Ranking fifo = new GangAdmission(false).order(s, shares, new QueueUsage(s));
        assertThat(fifo.ready()).extracting(Gang::name).containsExactly("a-next", "b-next", "b-later");
    }

    @Test
    void aGangThatMayNotBePreemptedMustFitItsQueuesQuota() {
        QueueInfo q = KubeObjects.queue(queue("q").gpu("8", 1, "-1").build(), 0);
        List<PodInfo> pods = new ArrayList<>(members("running", 1, 4, "n"));
        pods.addAll(members("steady", 2, 4, null));
        PodGroupInfo steady = KubeObjects.podGroup(podGroup("ns", "steady", 2).queue("q").build(), 0);
        steady = new PodGroupInfo(steady.namespace(), steady.name(), steady.queue(), steady.minMember(), null, null, null,
                false, 0, null);
        Snapshot s = new SnapshotAssembler(Keys.SCHEDULER_NAME).assemble(0, List.of(KubeObjects.node(node("n", 64))), pods,
                List.of(group("running", 1, 0, null), steady), Map.of("q", q), Map.of(), Map.of());
        Gang g = s.gangs().stream().filter(x -> x.name().equals("steady")).findFirst().orElseThrow();
        assertThat(admission.check(g, new QueueUsage(s)).message()).isEqualTo(
                "QueueOverQuota: the gang is not preemptible and needs 8 nvidia.com/gpu, queue q has 4 of its quota 8 in use");
    }
}
