package dev.phalanx.scheduler.live;

import dev.phalanx.core.cycle.Clock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Writes Kubernetes Events (core/v1) on pods and PodGroups, off the scheduling thread. The same
 * reason and message for the same object is recorded once until it changes, so a gang that waits
 * for hours does not flood the API server.
 */
public final class EventRecorder implements AutoCloseable {
    public static final String COMPONENT = "phalanx-scheduler";
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private static final int REMEMBERED = 50_000;

    private final KubernetesClient client;
    // a few writers: a burst of waiting pods means thousands of Events, and the one that says an object is
    // invalid should not queue behind them for minutes
    private final ExecutorService writer = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "phalanx-events");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, String> last = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED;
        }
    };

    private final Clock clock;

    public EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public static ObjectReference ref(String apiVersion, String kind, String namespace, String name, String uid) {
        return new ObjectReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withNamespace(namespace)
                .withName(name).withUid(uid).build();
    }

    /** Records unless this object's last event had the same reason and message. */
    public void record(ObjectReference on, boolean warning, String reason, String message) {
        String key = on.getKind() + "/" + on.getNamespace() + "/" + on.getName();
        String what = reason + "\n" + message;
        synchronized (last) {
            if (what.equals(last.get(key))) {
                return;
            }
            last.put(key, what);
        }
        String now = Instant.ofEpochMilli(clock.now()).toString();
        Event e = new EventBuilder()
                .withNewMetadata().withNamespace(on.getNamespace())
                .withName(on.getName() + "." + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
                .withInvolvedObject(on).withReason(reason).withMessage(truncate(message))
                .withType(warning ? "Warning" : "Normal").withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT).withReportingInstance(COMPONENT)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).build();
        writer.execute(() -> {
            try {
                client.v1().events().inNamespace(on.getNamespace()).resource(e).create();
            } catch (RuntimeException ex) {
                LOG.debug("event {} on {} not recorded: {}", reason, key, ex.getMessage());
            }
        });
    }

    private static String truncate(String m) {
        return m.length() <= 1024 ? m : m.substring(0, 1021) + "...";
    }

    @Override
    public void close() {
        writer.shutdown();
    }
}
