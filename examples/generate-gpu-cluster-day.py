#!/usr/bin/env python3
"""Writes gpu-cluster-day.yaml, the example `phalanx simulate` replays with no arguments.

A GPU cluster of four racks, each rack one NVLink domain (label nvidia.com/gpu.clique), 8-GPU nodes;
three leaf queues (llm and vision under training, and batch); a day of mixed work: multi-node LLM
gangs that must stay inside one NVLink domain, smaller vision gangs that prefer one rack, and a
stream of one-GPU and half-GPU batch pods. Deterministic: the same seed writes the same file.
"""
import random
import sys

import yaml

SEED = 20261123
RACKS = [("rack-1", 6), ("rack-2", 6), ("rack-3", 4), ("rack-4", 4)]  # (rack, 8-GPU nodes)
HOUR = 3600


def dur(seconds):
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


def node(name, rack):
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name,
            "topology.kubernetes.io/zone": "zone-a",
            "topology.kubernetes.io/rack": rack,
            "nvidia.com/gpu.clique": f"nvl-{rack}",
            "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}},
        "status": {"allocatable": {"cpu": "96", "memory": "1Ti", "nvidia.com/gpu": "8", "pods": "110"}},
    }


def queue(name, gpu, parent=None, selector=None, priority=None):
    spec = {}
    if parent:
        spec["parent"] = parent
    if priority is not None:
        spec["priority"] = priority
    if selector:
        spec["namespaceSelector"] = {"matchLabels": selector}
    spec["resources"] = {"nvidia.com/gpu": gpu}
    return {"apiVersion": "scheduling.phalanx.dev/v1alpha1", "kind": "Queue", "metadata": {"name": name}, "spec": spec}


def pod(ns, name, group, submit, run_for, gpus=None, fraction=None, cpu="8", memory="64Gi", priority_class=None):
    labels = {"app": name.rsplit("-", 1)[0]}
    if group:
        labels["scheduling.phalanx.dev/pod-group"] = group
    annotations = {"sim.phalanx.dev/submit-at": dur(submit), "sim.phalanx.dev/run-for": dur(run_for)}
    resources = {"requests": {"cpu": cpu, "memory": memory}}
    if gpus:
        resources["limits"] = {"nvidia.com/gpu": str(gpus)}
    if fraction:
        annotations["scheduling.phalanx.dev/gpu-fraction"] = str(fraction)
    spec = {"schedulerName": "phalanx-scheduler",
            "containers": [{"name": "main", "image": "registry.example/train:1", "resources": resources}]}
    if priority_class:
        spec["priorityClassName"] = priority_class
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels, "annotations": annotations}, "spec": spec}


def pod_group(ns, name, queue_name, members, submit, required=None, preferred=None, priority_class=None):
    spec = {"queue": queue_name, "minMember": members}
    if priority_class:
        spec["priorityClassName"] = priority_class
    topo = {}
    if required:
        topo["required"] = required
    if preferred:
        topo["preferred"] = preferred
    if topo:
        spec["topology"] = topo
    return {"apiVersion": "scheduling.phalanx.dev/v1alpha1", "kind": "PodGroup",
            "metadata": {"name": name, "namespace": ns, "annotations": {"sim.phalanx.dev/submit-at": dur(submit)}},
            "spec": spec}


def main(out):
    rng = random.Random(SEED)
    docs = []
    for rack, count in RACKS:
        for i in range(1, count + 1):
            docs.append(node(f"{rack}-gpu-{i:02d}", rack))
    docs += [
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "train-high"}, "value": 1000},
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "train"}, "value": 100},
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "batch-low"}, "value": 10},
    ]
    for ns, q, team in (("team-llm", "llm", "llm"), ("team-vision", "vision", "vision"), ("batch-jobs", "batch", "batch")):
        docs.append({"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": ns, "labels": {"team": team, "scheduling.phalanx.dev/queue": q}}})
    docs += [
        queue("training", {"quota": 128, "overQuotaWeight": 1}),
        queue("llm", {"quota": 80, "overQuotaWeight": 2}, parent="training", selector={"team": "llm"}),
        queue("vision", {"quota": 48, "overQuotaWeight": 1}, parent="training", selector={"team": "vision"}),
        queue("batch", {"quota": 0, "overQuotaWeight": 1, "limit": 64}, selector={"team": "batch"}),
    ]

    # LLM fine-tuning and pre-training gangs: whole 8-GPU nodes, inside one NVLink domain.
    for i in range(1, 19):
        members = rng.choice([2, 2, 3, 4, 4, 6])
        submit = rng.uniform(0, 20 * HOUR)
        run_for = rng.uniform(2 * HOUR, 6 * HOUR)
        name = f"llm-{i:02d}"
        pc = "train-high" if i % 6 == 0 else "train"
        docs.append(pod_group("team-llm", name, "llm", members, submit, required="nvidia.com/gpu.clique", priority_class=pc))
        for m in range(members):
            docs.append(pod("team-llm", f"{name}-{m}", name, submit, run_for, gpus=8, cpu="90", memory="900Gi"))
    # One pre-training gang larger than any NVLink domain: it waits, and says why.
    docs.append(pod_group("team-llm", "llm-pretrain-64", "llm", 8, 2 * HOUR, required="nvidia.com/gpu.clique"))
    for m in range(8):
        docs.append(pod("team-llm", f"llm-pretrain-64-{m}", "llm-pretrain-64", 2 * HOUR, 12 * HOUR, gpus=8, cpu="90",
                        memory="900Gi"))

    # Vision training gangs: 4-GPU pods, preferably in one rack.
    for i in range(1, 41):
        members = rng.choice([1, 2, 2, 3, 4])
        submit = rng.uniform(0, 22 * HOUR)
        run_for = rng.uniform(0.5 * HOUR, 3 * HOUR)
        name = f"vision-{i:02d}"
        docs.append(pod_group("team-vision", name, "vision", members, submit, preferred="topology.kubernetes.io/rack"))
        for m in range(members):
            docs.append(pod("team-vision", f"{name}-{m}", name, submit, run_for, gpus=4, cpu="40", memory="400Gi"))

    # Batch: lone pods, one GPU or half a GPU, all day.
    t = 0.0
    i = 0
    while True:
        t += rng.expovariate(1 / 600)  # one every ten minutes on average
        if t > 23 * HOUR:
            break
        i += 1
        run_for = rng.uniform(600, 5400)
        if rng.random() < 0.3:
            docs.append(pod("batch-jobs", f"eval-{i:03d}", None, t, run_for, fraction=0.5, cpu="4", memory="32Gi",
                            priority_class="batch-low"))
        else:
            docs.append(pod("batch-jobs", f"sweep-{i:03d}", None, t, run_for, gpus=1, cpu="8", memory="64Gi",
                            priority_class="batch-low"))

    header = ("# A day on a small GPU cluster, replayed by `phalanx simulate` when it is given no files.\n"
              "# Written by examples/generate-gpu-cluster-day.py (seed %d); edit that, not this file.\n" % SEED)
    with open(out, "w") as f:
        f.write(header)
        yaml.safe_dump_all(docs, f, sort_keys=False, default_flow_style=False, width=120)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gpu-cluster-day.yaml")
