package org.grouptherapy.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** A benchmark's command line: {@code --root DIR --name value …}. */
record BenchOptions(Map<String, String> values) {

  static BenchOptions parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return new BenchOptions(options);
  }

  int integer(String name, int otherwise) {
    return Integer.parseInt(values.getOrDefault(name, String.valueOf(otherwise)));
  }

  /** The repository root (where docs/ and server/target/ are). */
  Path root() {
    return Path.of(values.getOrDefault("root", ".")).toAbsolutePath().normalize();
  }

  /** The server jar the build made. */
  Path jar() {
    return root().resolve("server/target/group-therapy-fhir-server.jar");
  }

  /** Prints a run's report and appends it to docs/benchmarks.md (started if missing). */
  void publish(String report) throws IOException {
    System.out.println(report);
    Path out = root().resolve("docs/benchmarks.md");
    if (!Files.exists(out)) {
      Files.writeString(
          out,
          "# Benchmarks\n\nWritten by the scripts in `bench/` (see the README): each run appends a"
              + " section, newest last. Figures from one machine at one time; compare ratios within"
              + " a section, not figures across sections.\n");
    }
    Files.writeString(out, report, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }
}
