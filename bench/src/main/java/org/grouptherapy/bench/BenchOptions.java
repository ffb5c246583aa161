package org.grouptherapy.bench;

import java.nio.file.Path;
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
}
