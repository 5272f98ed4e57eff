package dev.smartstack.discovery.chaos;

import java.util.ArrayList;
import java.util.List;

/** Rows of figures printed as one Markdown table, so that docs/reliability.md can quote it as it is. */
public final class Report {
    private final String title;
    private final List<String> columns;
    private final List<List<String>> rows = new ArrayList<>();

    public Report(String title, String... columns) {
        this.title = title;
        this.columns = List.of(columns);
    }

    public synchronized void row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("a row needs " + columns.size() + " cells but had " + cells.length);
        }
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(String.valueOf(c));
        }
        rows.add(r);
    }

    public synchronized String table() {
        StringBuilder sb = new StringBuilder("\n### ").append(title).append("\n\n");
        line(sb, columns);
        line(sb, columns.stream().map(c -> "---").toList());
        rows.forEach(r -> line(sb, r));
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells) {
        sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
}
