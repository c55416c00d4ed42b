package dev.phalanx.scheduler.inspect;

import java.util.ArrayList;
import java.util.List;

/** Plain-text columns as kubectl prints them: a header in capitals, cells padded, numbers to the right. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] rightAligned;

    /** {@code columns}: header names; a name starting with '>' is right-aligned (the '>' is not printed). */
    Table(String... columns) {
        rightAligned = new boolean[columns.length];
        String[] header = new String[columns.length];
        for (int i = 0; i < columns.length; i++) {
            rightAligned[i] = columns[i].startsWith(">");
            header[i] = rightAligned[i] ? columns[i].substring(1) : columns[i];
        }
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] r = new String[rightAligned.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "-";
        }
        rows.add(r);
        return this;
    }

    /** Rows so far, the header included. */
    int size() {
        return rows.size();
    }

    /** Replaces one cell of a row already added. */
    void set(int row, int column, Object cell) {
        rows.get(row)[column] = cell == null ? "-" : cell.toString();
    }

    void appendTo(StringBuilder sb, String indent) {
        int[] width = new int[rightAligned.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                String cell = r[i];
                String pad = " ".repeat(width[i] - cell.length());
                line.append(rightAligned[i] ? pad + cell : cell + (i == r.length - 1 ? "" : pad));
                if (i < r.length - 1) {
                    line.append("   ");
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
