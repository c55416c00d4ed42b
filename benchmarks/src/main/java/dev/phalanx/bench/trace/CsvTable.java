package dev.phalanx.bench.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CSV file with a header line, read whole. Columns are found by their header name, never by position,
 * so a trace with extra or reordered columns reads the same. Every error names the file, the line and the
 * column, so a user can fix the file. Fields may be double-quoted (RFC 4180), quotes doubled inside.
 */
public final class CsvTable {
    private final Path file;
    private final Map<String, Integer> columns;
    private final List<String[]> rows;
    private final int[] lineNumbers;

    private CsvTable(Path file, Map<String, Integer> columns, List<String[]> rows, int[] lineNumbers) {
        this.file = file;
        this.columns = columns;
        this.rows = rows;
        this.lineNumbers = lineNumbers;
    }

    public static CsvTable read(Path file) {
        List<String> lines;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            lines = in.lines().toList();
        } catch (NoSuchFileException e) {
            throw new TraceFormatException(file + ": no such file");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new TraceFormatException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            throw new TraceFormatException(file + ":1: empty file, expected a header line with column names");
        }
        String[] header = split(lines.get(0), file, 1);
        Map<String, Integer> columns = new HashMap<>();
        for (int c = 0; c < header.length; c++) {
            String name = header[c].strip();
            if (c == 0 && name.startsWith("\uFEFF")) {
                name = name.substring(1); // a byte-order mark some spreadsheet exports put first
            }
            if (columns.putIfAbsent(name, c) != null) {
                throw new TraceFormatException(file + ":1: column '" + name + "' appears twice in the header");
            }
        }
        List<String[]> rows = new ArrayList<>(lines.size());
        int[] lineNumbers = new int[lines.size()];
        for (int l = 1; l < lines.size(); l++) {
            if (lines.get(l).isBlank()) {
                continue;
            }
            String[] fields = split(lines.get(l), file, l + 1);
            if (fields.length != header.length) {
                throw new TraceFormatException(file + ":" + (l + 1) + ": " + fields.length + " fields, but the header has "
                        + header.length + " columns");
            }
            lineNumbers[rows.size()] = l + 1;
            rows.add(fields);
        }
        return new CsvTable(file, columns, rows, lineNumbers);
    }

    public Path file() {
        return file;
    }

    public int size() {
        return rows.size();
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

    /** The 1-based line in the file that row {@code row} came from. */
    public int line(int row) {
        return lineNumbers[row];
    }

    public String text(int row, int column) {
        return rows.get(row)[column].strip();
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

    private static String[] split(String line, Path file, int lineNumber) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        if (quoted) {
            throw new TraceFormatException(file + ":" + lineNumber + ": a quoted field is not closed");
        }
        fields.add(field.toString());
        return fields.toArray(new String[0]);
    }
}
