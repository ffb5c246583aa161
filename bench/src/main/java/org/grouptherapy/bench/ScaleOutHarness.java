package org.grouptherapy.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Several instances on one PostgreSQL behind nginx, under steady traffic (issue #20's proof with
 * real parts): three instances started at the same moment on an empty database; throughput with
 * one, two and three instances; a rolling restart of every instance; kill -9 of one; a PostgreSQL
 * restart. Prints the figures, writes them into docs/scale-out.md, and exits non-zero when a
 * promise is broken (a failed request in the rolling restart, more failures on kill -9 than
 * requests in flight, an acknowledged create missing, an instance that does not recover).
 */
public final class ScaleOutHarness {

  private static final int INSTANCES = 3;

  private final BenchOptions options;
  private final Path directory;
  private final List<ServerProcess> instances = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private final StringBuilder report = new StringBuilder();
  private EmbeddedPostgres postgres;
  private int postgresPort;

  private ScaleOutHarness(BenchOptions options, Path directory) {
    this.options = options;
    this.directory = directory;
  }

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    ScaleOutHarness harness =
        new ScaleOutHarness(options, Files.createTempDirectory("gt-scale-out"));
    int exit = harness.run();
    System.exit(exit);
  }

  private int run() throws Exception {
    int clients = options.integer("clients", 6);
    int seconds = options.integer("seconds", 30);
    postgresPort = ServerProcess.freePort();
    postgres = startPostgres();
    try {
      startAllAtOnce();
      try (Nginx nginx = Nginx.start(directory.resolve("nginx"), ports);
          SteadyTraffic traffic = new SteadyTraffic(nginx.base())) {
        traffic.start(clients);
        throughput(nginx, traffic, clients, seconds);
        rollingRestart(nginx, traffic);
        killOne(nginx, traffic, clients);
        restartPostgres(traffic);
        traffic.close();
        Set<String> acknowledged = traffic.acknowledged();
        List<String> lost = traffic.missing(acknowledged);
        report.append(
            "\nAcknowledged creates over the whole run: %d; missing afterwards: %d.\n"
                .formatted(acknowledged.size(), lost.size()));
        if (!lost.isEmpty()) {
          problems.add("acknowledged creates lost: " + lost.subList(0, Math.min(10, lost.size())));
        }
      }
    } finally {
      for (ServerProcess instance : instances) {
        instance.kill();
      }
      postgres.close();
    }
    publish(clients, seconds);
    if (!problems.isEmpty()) {
      System.err.println("BROKEN: " + String.join("; ", problems));
      return 1;
    }
    return 0;
  }

  private EmbeddedPostgres startPostgres() throws Exception {
    return EmbeddedPostgres.builder()
        .setDataDirectory(directory.resolve("postgres"))
        .setCleanDataDirectory(false)
        .setPort(postgresPort)
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("max_connections", "200")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("fsync", "on")
        .setRegisterShutdownHook(false)
        .start();
  }

  private List<String> instanceArgs(String publicUrl) {
    return List.of(
        "--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres",
        "--spring.datasource.username=postgres",
        "--spring.datasource.hikari.maximum-pool-size=10",
        "--app.security.demo-identities=true",
        "--app.security.public-url=" + publicUrl);
  }

  /** Every instance the same public URL: the balancer's, known once nginx has a port. */
  private String publicUrl;

  /** Three instances started at the same moment on the empty database: all become ready. */
  private void startAllAtOnce() throws Exception {
    for (int i = 0; i < INSTANCES; i++) {
      ports.add(ServerProcess.freePort());
    }
    // The balancer's port is chosen when it starts; the public URL only names the issuer and the
    // base of links, so a placeholder host that is the same for every instance is enough.
    publicUrl = "http://gt-balancer.example.org";
    ExecutorService starts = Executors.newFixedThreadPool(INSTANCES);
    try {
      List<Future<ServerProcess>> started = new ArrayList<>();
      long begun = System.nanoTime();
      for (int i = 0; i < INSTANCES; i++) {
        int index = i;
        started.add(starts.submit(startInstance(index)));
      }
      Exception failed = null;
      for (Future<ServerProcess> instance : started) {
        try {
          instances.add(instance.get());
        } catch (java.util.concurrent.ExecutionException e) {
          failed = e; // the others are kept, so that they are stopped too
        }
      }
      if (failed != null) {
        throw failed;
      }
      double seconds = (System.nanoTime() - begun) / 1e9;
      report.append(
          "\n**Simultaneous start**: %d instances started at the same moment on an empty database, all ready after %.0f s (2 cores shared by all three and PostgreSQL).\n"
              .formatted(INSTANCES, seconds));
    } finally {
      starts.shutdown();
    }
  }

  private Callable<ServerProcess> startInstance(int index) {
    return () ->
        ServerProcess.instance(
            options.jar(), "scale-" + index, ports.get(index), instanceArgs(publicUrl));
  }

  /** Closed-loop throughput through the balancer with one, two and three instances in it. */
  private void throughput(Nginx nginx, SteadyTraffic traffic, int clients, int seconds)
      throws Exception {
    report.append(
        "\n### Throughput through nginx (%d clients, closed loop, %d s each after a warm-up)\n\n"
            .formatted(clients, seconds));
    report.append(
        "| instances | requests/s | ratio to one | p50 ms | p95 ms | failed |\n"
            + "|---:|---:|---:|---:|---:|---:|\n");
    double one = 0;
    for (int n = 1; n <= INSTANCES; n++) {
      nginx.upstreams(ports.subList(0, n), Set.of());
      pause(Duration.ofSeconds(10));
      traffic.begin();
      pause(Duration.ofSeconds(seconds));
      SteadyTraffic.Stretch stretch = traffic.end();
      if (n == 1) {
        one = stretch.perSecond();
      }
      report.append(
          "| %d | %.0f | %.2f | %.0f | %.0f | %d |\n"
              .formatted(
                  n,
                  stretch.perSecond(),
                  stretch.perSecond() / one,
                  stretch.p50(),
                  stretch.p95(),
                  stretch.failures().size()));
      System.out.println(n + " instance(s): " + stretch);
      if (!stretch.failures().isEmpty()) {
        problems.add(n + " instance(s) steady: " + stretch.failures().get(0));
      }
    }
  }

  /**
   * Each instance in turn: out of the balancer (nginx reload with it {@code down}: its in-flight
   * requests finish), SIGTERM (graceful: readiness false, in-flight requests finish), started
   * again, ready, back in. No request may fail.
   */
  private void rollingRestart(Nginx nginx, SteadyTraffic traffic) throws Exception {
    traffic.begin();
    long begun = System.nanoTime();
    for (int i = 0; i < INSTANCES; i++) {
      nginx.upstreams(ports, Set.of(ports.get(i)));
      // As a Kubernetes preStop pause: the balancer's new workers take over before the stop.
      pause(Duration.ofSeconds(2));
      instances.get(i).terminate();
      instances.set(i, startInstance(i).call());
      nginx.upstreams(ports, Set.of());
    }
    SteadyTraffic.Stretch stretch = traffic.end();
    report.append(
        "\n**Rolling restart** of all %d instances under the same traffic (%.0f s): %d requests"
                .formatted(INSTANCES, (System.nanoTime() - begun) / 1e9, stretch.succeeded())
            + " succeeded, %d failed, p95 %.0f ms.\n"
                .formatted(stretch.failures().size(), stretch.p95()));
    System.out.println("rolling restart: " + stretch);
    if (!stretch.failures().isEmpty()) {
      problems.add("rolling restart: " + stretch.failures());
    }
  }

  /**
   * kill -9 of one instance under traffic: at most the requests in flight on it fail (at most one
   * per client, as each client has one request out at a time); then it is started again.
   */
  private void killOne(Nginx nginx, SteadyTraffic traffic, int clients) throws Exception {
    traffic.begin();
    pause(Duration.ofSeconds(5));
    instances.get(1).kill();
    pause(Duration.ofSeconds(15));
    SteadyTraffic.Stretch stretch = traffic.end();
    report.append(
        "\n**kill -9** of one instance under traffic: %d requests succeeded in the 20 s around it, %d failed (%s); at most %d could be in flight on it.\n"
            .formatted(
                stretch.succeeded(),
                stretch.failures().size(),
                stretch.failures().stream()
                    .map(f -> f.request() + ": " + f.outcome().split(" ")[0])
                    .distinct()
                    .toList(),
                clients));
    System.out.println("kill -9: " + stretch);
    if (stretch.failures().size() > clients) {
      problems.add("kill -9: more failures than requests in flight: " + stretch.failures());
    }
    nginx.upstreams(ports, Set.of(ports.get(1)));
    instances.set(1, startInstance(1).call());
    nginx.upstreams(ports, Set.of());
  }

  /**
   * PostgreSQL stopped and started again under traffic: requests fail while it is down; then every
   * instance answers again without being restarted.
   */
  private void restartPostgres(SteadyTraffic traffic) throws Exception {
    traffic.begin();
    pause(Duration.ofSeconds(5));
    long down = System.nanoTime();
    postgres.close();
    pause(Duration.ofSeconds(5));
    postgres = startPostgres();
    double downSeconds = (System.nanoTime() - down) / 1e9;
    long back = System.nanoTime();
    List<Double> recovered = new ArrayList<>();
    for (ServerProcess instance : instances) {
      recovered.add(awaitAnswering(instance, back));
    }
    pause(Duration.ofSeconds(10));
    SteadyTraffic.Stretch stretch = traffic.end();
    report.append(
        "\n**PostgreSQL restart** under traffic (down %.0f s): %d requests failed while it was away, %d succeeded; each instance answered again %s s after PostgreSQL was back, none restarted.\n"
            .formatted(
                downSeconds,
                stretch.failures().size(),
                stretch.succeeded(),
                recovered.stream().map(s -> "%.1f".formatted(s)).toList()));
    System.out.println("PostgreSQL restart: " + stretch);
    java.util.Map<String, Long> answers =
        stretch.failures().stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    f -> f.outcome().split(" ")[0],
                    java.util.TreeMap::new,
                    java.util.stream.Collectors.counting()));
    report.append("Failed answers by status: %s.\n".formatted(answers));
    List<SteadyTraffic.Failure> unclear =
        stretch.failures().stream()
            .filter(f -> f.outcome().startsWith("500") || !f.outcome().contains("OperationOutcome"))
            .toList();
    if (!unclear.isEmpty()) {
      problems.add(
          "PostgreSQL restart: answers other than an OperationOutcome saying what to do: "
              + unclear);
    }
  }

  /** Seconds until this instance answers a search straight (not through nginx) again. */
  private double awaitAnswering(ServerProcess instance, long since) throws Exception {
    SteadyTraffic direct = new SteadyTraffic(instance.fhirBase().replace("/fhir", ""));
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        direct.probe();
        return (System.nanoTime() - since) / 1e9;
      } catch (Exception notYet) {
        pause(Duration.ofMillis(250));
      }
    }
    problems.add("instance on " + instance.port() + " did not recover from the PostgreSQL restart");
    return Double.NaN;
  }

  private static void pause(Duration duration) throws InterruptedException {
    Thread.sleep(duration.toMillis());
  }

  /** Replaces the figures between the markers of docs/scale-out.md. */
  private void publish(int clients, int seconds) throws Exception {
    String figures =
        "Run of "
            + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
            + " ("
            + Runtime.getRuntime().availableProcessors()
            + " cores; `bench/run-scale-out --clients "
            + clients
            + " --seconds "
            + seconds
            + "`): "
            + (problems.isEmpty() ? "every promise held." : "**BROKEN**: " + problems)
            + "\n"
            + report;
    System.out.println(figures);
    Path doc = options.root().resolve("docs/scale-out.md");
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    String begin = "<!-- figures:begin -->";
    String end = "<!-- figures:end -->";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new IllegalStateException(doc + " lacks the markers " + begin + " and " + end);
    }
    Files.writeString(
        doc,
        text.substring(0, from + begin.length()) + "\n" + figures + "\n" + text.substring(to),
        StandardCharsets.UTF_8);
  }
}
