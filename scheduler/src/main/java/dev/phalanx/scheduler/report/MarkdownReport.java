package dev.phalanx.scheduler.report;

import dev.phalanx.core.model.Keys;
import dev.phalanx.core.sim.SimulationResult;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** {@code simulate --report DIR}: report.md with PNG charts of allocation against fair share and of gang waits. */
public final class MarkdownReport {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    private MarkdownReport() {
    }

    public static Path write(SimulationResult r, String source, Path dir) {
        try {
            Files.createDirectories(dir);
            ChartUtils.saveChartAsPNG(dir.resolve("allocation-vs-fair-share.png").toFile(), allocationChart(r), 1000, 520);
            ChartUtils.saveChartAsPNG(dir.resolve("gang-wait.png").toFile(), waitChart(r), 1000, 480);
            Path md = dir.resolve("report.md");
            Files.writeString(md, markdown(r, source));
            return md;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String markdown(SimulationResult r, String source) {
        SimulationResult.Summary s = r.summary();
        StringBuilder sb = new StringBuilder("# Phalanx simulation report\n\n");
        sb.append("Input: ").append(source).append("\n\n");
        sb.append("| figure | value |\n|---|---|\n");
        sb.append(String.format(Locale.ROOT, "| simulated time | %.0f s |%n", s.simulatedSeconds()));
        sb.append(String.format(Locale.ROOT, "| %s in the cluster | %.0f |%n", Keys.GPU, s.totalGpus()));
        sb.append(String.format(Locale.ROOT, "| GPU allocation (time average) | %.1f%% |%n", 100 * s.gpuAllocationRatio()));
        sb.append(String.format(Locale.ROOT, "| pods bound | %d of %d |%n", s.podsBound(), r.pods().size()));
        sb.append(String.format(Locale.ROOT, "| pod groups scheduled / pending | %d / %d |%n", s.podGroupsScheduled(), s.podGroupsPending()));
        sb.append(String.format(Locale.ROOT, "| evictions | %d |%n| cycles | %d |%n%n", s.evictions(), s.cycles()));
        sb.append("## Allocated GPUs per queue against fair share\n\n");
        sb.append("Solid: GPUs a queue's pods hold; dashed: its fair share, recomputed every cycle.\n\n");
        sb.append("![allocated GPUs per queue against fair share](allocation-vs-fair-share.png)\n\n");
        sb.append("## Gang wait times\n\nEach point is a gang (a PodGroup or a pod without one): when it arrived, and how long it waited to start.\n\n");
        sb.append("![gang wait times](gang-wait.png)\n\n");
        sb.append("| queue | gangs | started | mean wait | p95 wait | longest wait |\n|---|---:|---:|---:|---:|---:|\n");
        for (QueueStats q : QueueStats.of(r)) {
            sb.append("| ").append(q.queue()).append(" | ").append(q.gangs()).append(" | ").append(q.scheduled())
                    .append(" | ").append(TextReport.dur(q.meanWaitSeconds())).append(" | ")
                    .append(TextReport.dur(q.p95WaitSeconds())).append(" | ").append(TextReport.dur(q.maxWaitSeconds()))
                    .append(" |\n");
        }
        List<SimulationResult.PodGroupRecord> waiting = r.podGroups().stream().filter(g -> g.reason() != null).toList();
        if (!waiting.isEmpty()) {
            sb.append("\n## Pod groups still waiting\n\n| pod group | queue | why |\n|---|---|---|\n");
            waiting.forEach(g -> sb.append("| ").append(g.namespace()).append('/').append(g.name()).append(" | ")
                    .append(g.queue()).append(" | ").append(g.reason().replace("|", "\\|")).append(" |\n"));
        }
        if (!r.problems().isEmpty()) {
            sb.append("\n## Objects that cannot be honoured as written\n\n");
            r.problems().forEach(p -> sb.append("- ").append(p.describe()).append('\n'));
        }
        return sb.toString();
    }

    private static JFreeChart allocationChart(SimulationResult r) {
        XYSeriesCollection data = new XYSeriesCollection();
        Map<String, XYSeries> alloc = new TreeMap<>();
        Map<String, XYSeries> fair = new TreeMap<>();
        for (SimulationResult.Sample sample : r.timeline()) {
            double h = sample.at() / 3600.0;
            sample.allocatedGpus().forEach((q, v) -> alloc.computeIfAbsent(q, k -> new XYSeries(k + " allocated", false)).addOrUpdate(h, v.doubleValue()));
            sample.fairShareGpus().forEach((q, v) -> fair.computeIfAbsent(q, k -> new XYSeries(k + " fair share", false)).addOrUpdate(h, v.doubleValue()));
        }
        alloc.values().forEach(data::addSeries);
        fair.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart("Allocated " + Keys.GPU + " per queue against fair share",
                "simulated hours", Keys.GPU, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYStepRenderer renderer = new XYStepRenderer();
        int n = alloc.size();
        for (int i = 0; i < n; i++) {
            Color c = PALETTE[i % PALETTE.length];
            renderer.setSeriesPaint(i, c);
            renderer.setSeriesStroke(i, new BasicStroke(2.2f));
            renderer.setSeriesPaint(n + i, c);
            renderer.setSeriesStroke(n + i, new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[]{6f, 4f}, 0f));
        }
        plot.setRenderer(renderer);
        style(plot);
        return chart;
    }

    private static JFreeChart waitChart(SimulationResult r) {
        XYSeriesCollection data = new XYSeriesCollection();
        Map<String, XYSeries> byQueue = new TreeMap<>();
        for (SimulationResult.PodGroupRecord g : r.podGroups()) {
            if (g.queue() != null && g.scheduledAt() != null && g.submittedAt() != null) {
                byQueue.computeIfAbsent(g.queue(), k -> new XYSeries(k, false)).add(g.submittedAt() / 3600.0, g.waitSeconds() / 60.0);
            }
        }
        for (SimulationResult.PodRecord p : r.pods()) {
            if (p.podGroup() == null && p.queue() != null && p.boundAt() != null && p.submittedAt() != null) {
                byQueue.computeIfAbsent(p.queue(), k -> new XYSeries(k, false))
                        .add(p.submittedAt() / 3600.0, (p.boundAt() - p.submittedAt()) / 60.0);
            }
        }
        byQueue.values().forEach(data::addSeries);
        List<String> allQueues = r.queues().stream().map(SimulationResult.QueueRecord::name).sorted().toList();
        JFreeChart chart = ChartFactory.createScatterPlot("Gang wait time by arrival", "arrival (simulated hours)",
                "wait (minutes)", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
        int i = 0;
        for (String q : byQueue.keySet()) { // the same colour for a queue as in the allocation chart
            renderer.setSeriesPaint(i++, PALETTE[Math.max(0, allQueues.indexOf(q)) % PALETTE.length]);
        }
        style(plot);
        return chart;
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
    }
}
