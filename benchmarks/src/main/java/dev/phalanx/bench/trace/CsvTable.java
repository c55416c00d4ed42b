package dev.phalanx.bench.trace;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A CSV file with a header line, read whole with Apache Commons CSV (RFC 4180: quoted fields may hold
 * commas, doubled quotes and line breaks). Columns are found by their header name, never by position, so a
 * trace with extra, missing optional or reordered columns reads the same. Every error names the file, the
 * line and the column, so a user can fix the file.
 */
public final class CsvTable {
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW)
            .get();

    private final Path file;
    private final Map<String, Integer> columns;
    private final List<CSVRecord> rows;
    private final int[] lineNumbers;

    private CsvTable(Path file, Map<String, Integer> columns, List<CSVRecord> rows, int[] lineNumbers) {
        this.file = file;
        this.columns = columns;
        this.rows = rows;
        this.lineNumbers = lineNumbers;
    }

    public static CsvTable read(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TraceFormatException(file + ": no such file");
        } catch (IOException | UncheckedIOException e) {
            throw new TraceFormatException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1); // a byte-order mark some spreadsheet exports put first
        }
        if (content.isBlank()) {
            throw new TraceFormatException(file + ":1: empty file, expected a header line with column names");
        }
        int[] lineStarts = lineStarts(content);
        List<CSVRecord> rows = new ArrayList<>();
        Map<String, Integer> columns;
        try (CSVParser parser = CSVParser.builder().setReader(new StringReader(content)).setFormat(FORMAT).get()) {
            columns = parser.getHeaderMap();
            for (CSVRecord r : parser) {
                rows.add(r);
            }
        } catch (IllegalArgumentException e) {
            throw new TraceFormatException(file + ":1: " + e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            throw new TraceFormatException(file + ": not valid CSV (" + e.getMessage() + ")");
        }
        int[] lineNumbers = new int[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            CSVRecord record = rows.get(r);
            lineNumbers[r] = lineOf(lineStarts, firstCharacter(content, record.getCharacterPosition()));
            if (record.size() != columns.size()) {
                throw new TraceFormatException(file + ":" + lineNumbers[r] + ": " + record.size() + " fields, but the header has "
                        + columns.size() + " columns");
            }
        }
        return new CsvTable(file, columns, rows, lineNumbers);
    }

    /** Offsets where each line of {@code content} starts (line 1 at offset 0). */
    private static int[] lineStarts(String content) {
        int[] starts = new int[16];
        int n = 1;
        for (int i = 0; i < content.length(); i++) {
            if (content.charAt(i) == '\n') {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = i + 1;
            }
        }
        return Arrays.copyOf(starts, n);
    }

    /** A record's position is where parsing began, before the empty lines it skipped: its first character is after them. */
    private static long firstCharacter(String content, long position) {
        int i = (int) position;
        while (i < content.length() && (content.charAt(i) == '\n' || content.charAt(i) == '\r')) {
            i++;
        }
        return i;
    }

    private static int lineOf(int[] lineStarts, long offset) {
        int i = Arrays.binarySearch(lineStarts, (int) offset);
        return (i >= 0 ? i : -i - 2) + 1;
    }

    public Path file() {
        return file;
    }

    public int size() {
        return rows.size();
    }

    /** True when the header has a column named {@code name}. */
    public boolean has(String name) {
        return columns.containsKey(name);
    }

    /** The position of the column named {@code name}; fails naming the file and the columns it does have. */
    public int column(String name) {
        Integer c = columns.get(name);
        if (c == null) {
            throw new TraceFormatException(file + ":1: no column '" + name + "' in the header (it has "
                    + String.join(", ", columns.keySet().stream().sorted().toList()) + ")");
        }
        return c;
    }

    /** The 1-based line in the file that row {@code row} starts on. */
    public int line(int row) {
        return lineNumbers[row];
    }

    public String text(int row, int column) {
        return rows.get(row).get(column).strip();
    }

    public long integer(int row, int column, String name) {
        String v = text(row, column);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            // traces written by pandas sometimes carry integers as "12.0"
            try {
                double d = Double.parseDouble(v);
                if (d == Math.rint(d) && !Double.isInfinite(d)) {
                    return (long) d;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw error(row, "column '" + name + "' must be a whole number, got '" + v + "'");
        }
    }

    public double decimal(int row, int column, String name) {
        String v = text(row, column);
        try {
            double d = Double.parseDouble(v);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw error(row, "column '" + name + "' must be a number, got '" + v + "'");
        }
    }

    /** An error about row {@code row}, prefixed with the file and line. */
    public TraceFormatException error(int row, String message) {
        return new TraceFormatException(file + ":" + line(row) + ": " + message);
    }
}
