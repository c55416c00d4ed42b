package dev.phalanx.core.model;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class QueueTreeTest {
    private static QueueInfo q(String name, String parent) {
        return new QueueInfo(name, parent, 0, null, Map.of(), 0, 0, 0, null);
    }

    private static Map<String, QueueInfo> of(QueueInfo... qs) {
        Map<String, QueueInfo> m = new LinkedHashMap<>();
        for (QueueInfo x : qs) {
            m.put(x.name(), x);
        }
        return m;
    }

    @Test
    void buildsParentsChildrenAndLeaves() {
        QueueTree t = QueueTree.build(of(q("org", null), q("a", "org"), q("b", "org"), q("solo", null)));
        assertThat(t.roots()).containsExactly("org", "solo");
        assertThat(t.children("org")).containsExactly("a", "b");
        assertThat(t.isLeaf("a")).isTrue();
        assertThat(t.isLeaf("org")).isFalse();
        assertThat(t.pathToRoot("b")).containsExactly("b", "org");
        assertThat(t.problems()).isEmpty();
    }

    @Test
    void aLoopInTheParentChainMarksEveryQueueOnItInvalidButNotTheOthers() {
        QueueTree t = QueueTree.build(of(q("x", "y"), q("y", "x"), q("fine", null)));
        assertThat(t.get("x").invalidReason()).contains("loops");
        assertThat(t.get("y").invalidReason()).contains("loops");
        assertThat(t.get("fine").invalidReason()).isNull();
        assertThat(t.roots()).containsExactly("fine");
    }

    @Test
    void aMissingParentIsNamedAndItsDescendantsAreInvalidToo() {
        QueueTree t = QueueTree.build(of(q("a", "ghost"), q("b", "a")));
        assertThat(t.get("a").invalidReason()).isEqualTo("parent queue ghost does not exist");
        assertThat(t.get("b").invalidReason()).contains("ghost");
        assertThat(t.problems()).extracting(Problem::name).containsExactly("a", "b");
    }
}
