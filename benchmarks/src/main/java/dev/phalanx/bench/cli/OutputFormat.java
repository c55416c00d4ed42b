package dev.phalanx.bench.cli;

/** What {@code --output} of the bench commands takes: picocli refuses any other value, naming the option. */
enum OutputFormat { text, json }
