package dev.phalanx.scheduler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the phalanx CLI: exit code, stdout, stderr. */
public record CliRun(int exitCode, String out, String err) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = PhalanxCli.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /**
     * One run of the phalanx CLI in a JVM of its own (the tests' class path): nothing it does can depend on
     * state this JVM holds, nor on identity hash codes, which differ from one JVM to the next.
     */
    public static CliRun inNewJvm(String... args) throws Exception {
        return inNewJvmWithStdin(null, args);
    }

    /** {@link #inNewJvm}, with {@code stdin} written to its standard input (null: none). */
    public static CliRun inNewJvmWithStdin(String stdin, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), PhalanxCli.class.getName()));
        cmd.addAll(java.util.List.of(args));
        java.nio.file.Path err = java.nio.file.Files.createTempFile("phalanx-cli", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("phalanx " + String.join(" ", args) + " did not finish");
            }
            return new CliRun(p.exitValue(), out, java.nio.file.Files.readString(err));
        } finally {
            java.nio.file.Files.deleteIfExists(err);
        }
    }

    public JsonNode json() {
        try {
            return JSON.readTree(out);
        } catch (Exception e) {
            throw new AssertionError("stdout is not one JSON object: " + out, e);
        }
    }
}
