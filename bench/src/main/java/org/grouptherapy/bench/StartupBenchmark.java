package org.grouptherapy.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Time to ready of the real jar with the demo practice: a first start on an empty database (cold:
 * schema, conformance install, demo load) and a restart on it (warm), each until the readiness
 * probe answers 200 (the moment FHIR and the token endpoint stop answering 503). Where the time
 * goes comes from the server's own log: JVM and Spring up to the web context, HAPI's JPA layer up
 * to "Started", and the start-up tasks after it. Also the first and a second fetch of the full
 * OpenAPI document. The jar runs extracted (Spring Boot's tools jarmode), as {@code ./run} starts
 * it. In the same run, for comparison, the plain HAPI FHIR JPA server of {@code
 * bench/hapi-baseline} (no demo, no conformance install: HAPI's own schema and start-up only), cold
 * and warm, ready when {@code /fhir/metadata} answers. Options: --rounds N (default 2).
 */
public final class StartupBenchmark {

  private static final java.util.regex.Pattern STAMPED =
      java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}");
  private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private StartupBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    int rounds = options.integer("rounds", 2);
    List<Map<String, Double>> cold = new ArrayList<>();
    List<Map<String, Double>> warm = new ArrayList<>();
    List<Map<String, Double>> coldShared = new ArrayList<>();
    List<Map<String, Double>> warmShared = new ArrayList<>();
    List<double[]> apiDocs = new ArrayList<>();
    List<double[]> plain = new ArrayList<>();
    Path jar = extracted(options);
    List<String> shared = new ArrayList<>(runOptions(options));
    shared.add("-XX:SharedArchiveFile=" + classDataSharing(options, jar));
    Path baselineJar = options.root().resolve("bench/hapi-baseline/target/hapi-baseline.jar");
    for (int round = 0; round < rounds; round++) {
      Path data = Files.createTempDirectory("gt-bench-startup");
      ServerProcess first = ServerProcess.startWithDemo(jar, "startup-cold", data);
      cold.add(phases(first));
      apiDocs.add(apiDocs(first));
      first.close();
      ServerProcess second = ServerProcess.startWithDemo(jar, "startup-warm", data);
      warm.add(phases(second));
      second.close();
      second.deleteData();
      Path sharedData = Files.createTempDirectory("gt-bench-startup-cds");
      ServerProcess third =
          ServerProcess.startWithDemo(jar, "startup-cold-cds", sharedData, shared);
      coldShared.add(phases(third));
      third.close();
      ServerProcess fourth =
          ServerProcess.startWithDemo(jar, "startup-warm-cds", sharedData, shared);
      warmShared.add(phases(fourth));
      fourth.close();
      fourth.deleteData();
      if (Files.exists(baselineJar)) {
        plain.add(plainHapi(baselineJar));
      }
    }
    StringBuilder report = new StringBuilder();
    report.append("\n## Start-up, ").append(Instant.now()).append("\n\n");
    report.append(
        "Seconds from launching `java -jar` on the extracted jar (demo on, heap capped at 1 GB) to"
            + " the readiness probe answering 200, per round; phases from the server's log. Rows"
            + " \"as ./run\" add what ./run adds: its class data sharing archive and the JIT options"
            + " of tools/jvm/run.options. Plain HAPI (bench/hapi-baseline) for comparison: no demo,"
            + " no conformance install. Targets: cold under 30 s, warm under 15 s on an idle 2-core"
            + " machine.\n\n");
    report.append(
        "| start | round | to ready | JVM + Spring to web context | HAPI JPA to Started |");
    report.append(" start-up tasks after Started |\n|---|---|---|---|---|---|\n");
    row(report, "cold (empty database)", cold);
    row(report, "warm (restart)", warm);
    row(report, "cold, as ./run (CDS archive, JIT options)", coldShared);
    row(report, "warm, as ./run (CDS archive, JIT options)", warmShared);
    for (int i = 0; i < plain.size(); i++) {
      report.append(
          String.format(
              Locale.ROOT,
              "| plain HAPI, cold | %d | %.1f | | | |%n| plain HAPI, warm | %d | %.1f | | | |%n",
              i + 1,
              plain.get(i)[0],
              i + 1,
              plain.get(i)[1]));
    }
    report.append("\nFull OpenAPI document (`/fhir/api-docs`): ");
    for (double[] pair : apiDocs) {
      report.append(
          String.format(Locale.ROOT, "first fetch %.2f s, second %.3f s; ", pair[0], pair[1]));
    }
    report.append("\n");
    options.publish(report.toString());
  }

  /** The server jar extracted as ./run extracts it (classes from plain jars, not nested ones). */
  private static Path extracted(BenchOptions options) throws Exception {
    Path destination = options.root().resolve("bench/target/startup-extracted");
    if (Files.exists(destination)) {
      ServerProcess.deleteTree(destination);
    }
    Process extract =
        new ProcessBuilder(
                ServerProcess.java(),
                "-Djarmode=tools",
                "-jar",
                options.jar().toString(),
                "extract",
                "--destination",
                destination.toString())
            .inheritIO()
            .start();
    if (extract.waitFor() != 0) {
      throw new IllegalStateException("Extracting the server jar failed");
    }
    return destination.resolve(options.jar().getFileName());
  }

  /** The JVM options ./run starts the server with (tools/jvm/run.options, an argument file). */
  private static List<String> runOptions(BenchOptions options) throws Exception {
    return Files.readAllLines(options.root().resolve("tools/jvm/run.options")).stream()
        .map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
        .toList();
  }

  /** The class data sharing archive ./run dumps, by the same script from the same class list. */
  private static Path classDataSharing(BenchOptions options, Path jar) throws Exception {
    Path archive = jar.resolveSibling("start.jsa");
    Process dump =
        new ProcessBuilder(
                options.root().resolve("tools/class-data-sharing/dump").toString(),
                jar.toString(),
                archive.toString())
            .inheritIO()
            .start();
    if (dump.waitFor() != 0) {
      throw new IllegalStateException("Dumping the CDS archive failed");
    }
    return archive;
  }

  /** Seconds to ready of plain HAPI on an empty database, then on the same one again. */
  private static double[] plainHapi(Path baselineJar) throws Exception {
    Path data = Files.createTempDirectory("gt-bench-startup-hapi");
    List<String> args = List.of("--baseline.data-directory=" + data);
    double[] seconds = new double[2];
    try (ServerProcess first = ServerProcess.plain(baselineJar, "startup-hapi-cold", args)) {
      seconds[0] = first.secondsToReady();
    }
    try (ServerProcess second = ServerProcess.plain(baselineJar, "startup-hapi-warm", args)) {
      seconds[1] = second.secondsToReady();
    }
    ServerProcess.deleteTree(data);
    return seconds;
  }

  private static void row(StringBuilder report, String name, List<Map<String, Double>> runs) {
    for (int i = 0; i < runs.size(); i++) {
      Map<String, Double> run = runs.get(i);
      report.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f | %.1f | %.1f | %.1f |%n",
              name,
              i + 1,
              run.get("ready"),
              run.getOrDefault("web", Double.NaN),
              run.getOrDefault("started", Double.NaN) - run.getOrDefault("web", Double.NaN),
              run.get("ready") - run.getOrDefault("started", Double.NaN)));
    }
  }

  /** Seconds from launch to each phase's log line; "ready" as measured from outside. */
  private static Map<String, Double> phases(ServerProcess server) throws Exception {
    Map<String, Double> phases = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(server.log());
    LocalTime first = null;
    for (String line : lines) {
      if (!STAMPED.matcher(line).lookingAt()) {
        continue;
      }
      LocalTime time = LocalTime.parse(line.substring(11, 23), LOG_TIME);
      if (first == null) {
        first = time;
      }
      if (line.contains("Root WebApplicationContext: initialization completed")) {
        phases.put("web", seconds(first, time));
      } else if (line.contains("Started GroupTherapyServerApplication")) {
        phases.put("started", seconds(first, time));
      }
    }
    // The log starts after the JVM itself is up: shift the phases by the difference between the
    // time to ready seen from outside and the last log line before it.
    double offset = 0;
    if (first != null) {
      // The banner's first line carries the time; "is ready" is on the next.
      LocalTime ready = null;
      LocalTime last = null;
      for (String line : lines) {
        if (STAMPED.matcher(line).lookingAt()) {
          last = LocalTime.parse(line.substring(11, 23), LOG_TIME);
        } else if (line.contains("is ready")) {
          ready = last;
        }
      }
      if (ready != null) {
        offset = server.secondsToReady() - seconds(first, ready);
      }
    }
    for (Map.Entry<String, Double> phase : phases.entrySet()) {
      phase.setValue(phase.getValue() + offset);
    }
    phases.put("ready", server.secondsToReady());
    return phases;
  }

  private static double seconds(LocalTime from, LocalTime to) {
    return (to.toNanoOfDay() - from.toNanoOfDay()) / 1e9;
  }

  private static double[] apiDocs(ServerProcess server) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(server.fhirBase() + "/api-docs")).build();
    double[] seconds = new double[2];
    for (int i = 0; i < 2; i++) {
      long start = System.nanoTime();
      http.send(request, HttpResponse.BodyHandlers.discarding());
      seconds[i] = (System.nanoTime() - start) / 1e9;
    }
    return seconds;
  }
}
