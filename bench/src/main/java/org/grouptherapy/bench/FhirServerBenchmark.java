package org.grouptherapy.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Starts the server jar twice on fresh embedded databases, once as plain HAPI (HAPI's default
 * storage settings, the project's validation off) and once as configured for the practice, runs the
 * same workload against each with concurrent clients, and prints and appends ours/baseline ratios
 * to docs/benchmarks.md. Figures, not a pass/fail test: the machines are noisy, so only the ratios
 * of one run mean much.
 *
 * <p>Arguments (all optional): {@code --patients N --requests N --clients N --rounds N --warmup N}.
 * The warm-up (default 3,000 of each request) lets the JIT compile the paths of each server before
 * anything is timed: with a few hundred, the secured server, which runs more code, was measured
 * half-interpreted.
 */
public final class FhirServerBenchmark {

  private FhirServerBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    Path jar = options.jar();
    int patients = options.integer("patients", 2000);
    int requests = options.integer("requests", 2000);
    int clients = options.integer("clients", 4);
    int rounds = options.integer("rounds", 1);
    int warmup = options.integer("warmup", 3000);

    Map<String, List<String>> configurations = new LinkedHashMap<>();
    configurations.put(
        "baseline",
        List.of(
            "--app.fhir.tuned=false",
            "--app.fhir.validation=false",
            "--app.security.enabled=false"));
    configurations.put("ours-open", List.of("--app.security.enabled=false"));
    configurations.put("ours", List.of("--app.security.demo-identities=true"));

    Map<String, List<Result>> results = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (var configuration : configurations.entrySet()) {
        String name = configuration.getKey();
        System.out.printf("round %d: %s …%n", round + 1, name);
        Result result =
            measure(jar, name, configuration.getValue(), patients, requests, clients, warmup);
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(result);
        System.out.println(result);
      }
    }

    String report = report(results, patients, requests, clients, rounds, warmup);
    options.publish(report);
  }

  private static Result measure(
      Path jar, String name, List<String> args, int patients, int requests, int clients, int warmup)
      throws Exception {
    ServerProcess server = ServerProcess.start(jar, name, args);
    try {
      Workload workload = new Workload(server.fhirBase(), clients, token(server, args));
      List<String> warmupIds = new ArrayList<>();
      workload.createPatients(warmup, warmupIds);
      workload.readPatients(warmup, warmupIds);
      workload.searchPatients(warmup);

      List<String> ids = new ArrayList<>();
      Workload.Phase create = workload.createPatients(patients, ids);
      Workload.Phase read = workload.readPatients(requests, ids);
      Workload.Phase search = workload.searchPatients(requests);
      double firstStart = server.secondsToReady();
      long rss = server.rssBytes();
      server = server.restart(jar, name, args);
      return new Result(firstStart, server.secondsToReady(), rss, List.of(create, read, search));
    } finally {
      server.close();
      server.deleteData();
    }
  }

  /** A system token of the demo command-line client, when the server has security on. */
  static String token(ServerProcess server, List<String> args) throws Exception {
    if (args.contains("--app.security.enabled=false")) {
      return null;
    }
    String base = server.fhirBase().replace("/fhir", "");
    var request =
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/oauth2/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header(
                "Authorization",
                "Basic "
                    + java.util.Base64.getEncoder().encodeToString("cli:cli-secret".getBytes()))
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofString(
                    "grant_type=client_credentials&scope=system/*.cruds"))
            .build();
    String body =
        java.net.http.HttpClient.newHttpClient()
            .send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(body)
        .get("access_token")
        .asText();
  }

  private static String report(
      Map<String, List<Result>> results,
      int patients,
      int requests,
      int clients,
      int rounds,
      int warmup) {
    Result baseline = best(results.get("baseline"));
    Result open = best(results.get("ours-open"));
    Result ours = best(results.get("ours"));
    StringBuilder md = new StringBuilder();
    md.append("\n## ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append("\n\n")
        .append(machine())
        .append(
            String.format(
                Locale.ROOT,
                "Workload: %d patients created, %d reads, %d searches, %d concurrent clients,"
                    + " best of %d round(s), after a warm-up of %d each.%n%n",
                patients,
                requests,
                requests,
                clients,
                rounds,
                warmup))
        .append(
            "| measure | baseline (plain HAPI) | ours, security off | ours | ours/baseline |"
                + " security + audit cost (ours / ours, security off) |\n")
        .append("|---|---:|---:|---:|---:|---:|\n");
    row(
        md,
        "first start to ready, empty database (s)",
        baseline.secondsToReady(),
        open.secondsToReady(),
        ours.secondsToReady(),
        "%.1f");
    row(
        md,
        "restart to ready (s)",
        baseline.secondsToRestart(),
        open.secondsToRestart(),
        ours.secondsToRestart(),
        "%.1f");
    row(
        md,
        "server RSS after load (MiB)",
        baseline.rssBytes() / 1048576.0,
        open.rssBytes() / 1048576.0,
        ours.rssBytes() / 1048576.0,
        "%.0f");
    for (int i = 0; i < ours.phases().size(); i++) {
      Workload.Phase b = baseline.phases().get(i);
      Workload.Phase n = open.phases().get(i);
      Workload.Phase o = ours.phases().get(i);
      row(
          md,
          o.name() + " throughput (req/s)",
          b.perSecond(),
          n.perSecond(),
          o.perSecond(),
          "%.0f");
      row(md, o.name() + " p50 (ms)", b.p50Millis(), n.p50Millis(), o.p50Millis(), "%.1f");
      row(md, o.name() + " p99 (ms)", b.p99Millis(), n.p99Millis(), o.p99Millis(), "%.1f");
      if (o.failures() + n.failures() + b.failures() > 0) {
        md.append(
            String.format(
                "| %s failures | %d | %d | %d | | |%n",
                o.name(), b.failures(), n.failures(), o.failures()));
      }
    }
    return md.toString();
  }

  private static void row(
      StringBuilder md, String name, double baseline, double open, double ours, String format) {
    md.append(
        String.format(
            Locale.ROOT,
            "| %s | " + format + " | " + format + " | " + format + " | %.2f | %.2f |%n",
            name,
            baseline,
            open,
            ours,
            ours / baseline,
            ours / open));
  }

  /** The round with the best create throughput stands for the configuration. */
  private static Result best(List<Result> results) {
    return results.stream()
        .max(java.util.Comparator.comparingDouble(r -> r.phases().get(0).perSecond()))
        .orElseThrow();
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .orElse(cpu);
    } catch (Exception ignored) {
      // not Linux
    }
    return String.format(
        Locale.ROOT,
        "Machine: %d cores (%s), %.0f GiB RAM, Java %s; server JVMs -Xmx1g; embedded PostgreSQL 17.%n%n",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        totalMemoryGiB(),
        System.getProperty("java.version"));
  }

  private static double totalMemoryGiB() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream()
              .filter(l -> l.startsWith("MemTotal:"))
              .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
              .findFirst()
              .orElse(0)
          / 1048576.0;
    } catch (Exception e) {
      return 0;
    }
  }

  record Result(
      double secondsToReady, double secondsToRestart, long rssBytes, List<Workload.Phase> phases) {}
}
