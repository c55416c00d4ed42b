package dev.phalanx.bench.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvTableTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void columnsAreFoundByTheirHeaderNameWhereverTheyAre() throws Exception {
        CsvTable t = CsvTable.read(write("t.csv", "b,a\n2,1\n\n4,3\n"));
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.text(1, t.column("a"))).isEqualTo("3");
        assertThat(t.integer(0, t.column("b"), "b")).isEqualTo(2);
        assertThat(t.line(1)).as("the blank line is skipped but counted").isEqualTo(4);
    }

    @Test
    void quotedFieldsMayHoldCommasAndQuotes() throws Exception {
        CsvTable t = CsvTable.read(write("q.csv", "name,note\nx,\"a, \"\"b\"\"\"\n"));
        assertThat(t.text(0, t.column("note"))).isEqualTo("a, \"b\"");
    }

    @Test
    void aQuotedFieldMayHoldALineBreakAndLaterRowsKeepTheirLineNumbers() throws Exception {
        CsvTable t = CsvTable.read(write("m.csv", "name,note\nx,\"two\nlines\"\ny,z"));
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.text(0, t.column("note"))).isEqualTo("two\nlines");
        assertThat(t.line(0)).isEqualTo(2);
        assertThat(t.line(1)).as("the last row has no line break after it").isEqualTo(4);
    }

    @Test
    void aHeaderNamingAColumnTwiceIsRefused() throws Exception {
        Path f = write("d.csv", "a,b,a\n1,2,3\n");
        assertThatThrownBy(() -> CsvTable.read(f)).isInstanceOf(TraceFormatException.class)
                .hasMessageStartingWith(f + ":1: ").hasMessageContaining("a");
    }

    @Test
    void anUnclosedQuoteIsReportedWithTheFile() throws Exception {
        Path f = write("u.csv", "a,b\n1,\"open\n");
        assertThatThrownBy(() -> CsvTable.read(f)).isInstanceOf(TraceFormatException.class)
                .hasMessageStartingWith(f + ": not valid CSV");
    }

    @Test
    void aByteOrderMarkBeforeTheHeaderIsIgnored() throws Exception {
        CsvTable t = CsvTable.read(write("bom.csv", "\uFEFFsn,gpu\nn1,8\n"));
        assertThat(t.text(0, t.column("sn"))).isEqualTo("n1");
    }

    @Test
    void aMissingColumnIsReportedWithTheFileAndTheColumnsItHas() throws Exception {
        Path f = write("nodes.csv", "sn,gpu\nn1,8\n");
        CsvTable t = CsvTable.read(f);
        assertThatThrownBy(() -> t.column("cpu_milli")).isInstanceOf(TraceFormatException.class)
                .hasMessage(f + ":1: no column 'cpu_milli' in the header (it has gpu, sn)");
    }

    @Test
    void aRowWithTheWrongNumberOfFieldsNamesItsLine() throws Exception {
        Path f = write("bad.csv", "a,b\n1,2\n3\n");
        assertThatThrownBy(() -> CsvTable.read(f)).isInstanceOf(TraceFormatException.class)
                .hasMessage(f + ":3: 1 fields, but the header has 2 columns");
    }

    @Test
    void aNumberThatDoesNotParseNamesTheLineAndTheColumn() throws Exception {
        Path f = write("n.csv", "a\n1\nx1\n");
        CsvTable t = CsvTable.read(f);
        assertThat(t.integer(0, 0, "a")).isEqualTo(1);
        assertThatThrownBy(() -> t.integer(1, 0, "a")).hasMessage(f + ":3: column 'a' must be a whole number, got 'x1'");
    }

    @Test
    void aMissingOrEmptyFileIsReportedAsSuch() throws Exception {
        Path missing = dir.resolve("nope.csv");
        assertThatThrownBy(() -> CsvTable.read(missing)).hasMessage(missing + ": no such file");
        Path empty = write("empty.csv", "");
        assertThatThrownBy(() -> CsvTable.read(empty)).hasMessageContaining(empty + ":1: empty file");
    }
}
