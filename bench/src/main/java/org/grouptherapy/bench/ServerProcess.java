package org.grouptherapy.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One server under test: the real jar in its own JVM on a fresh embedded database. */
final class ServerProcess implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path dataDirectory;
  private final double secondsToReady;

  private final Path log;

  private ServerProcess(
      Process process, int port, Path dataDirectory, double secondsToReady, Path log) {
    this.log = log;
    this.process = process;
    this.port = port;
    this.dataDirectory = dataDirectory;
    this.secondsToReady = secondsToReady;
  }

  static ServerProcess start(Path jar, String name, List<String> serverArgs) throws Exception {
    return start(
        jar, name, serverArgs, Files.createTempDirectory("gt-bench-" + name), false, List.of());
  }

  /** A server with the demo practice, on a fresh database (the demo is loaded) or a used one. */
  static ServerProcess startWithDemo(Path jar, String name, Path dataDirectory) throws Exception {
    return startWithDemo(jar, name, dataDirectory, List.of());
  }

  /** As {@link #startWithDemo}, with options for the server's JVM (a CDS archive, say). */
  static ServerProcess startWithDemo(Path jar, String name, Path dataDirectory, List<String> jvm)
      throws Exception {
    return start(jar, name, List.of(), dataDirectory, true, jvm);
  }

  Path log() {
    return log;
  }

  /** Stops this server and starts the same configuration again on the same database. */
  ServerProcess restart(Path jar, String name, List<String> serverArgs) throws Exception {
    process.destroy();
    process.waitFor();
    return start(jar, name + "-restart", serverArgs, dataDirectory, false, List.of());
  }

  /**
   * A server on a given port and the database its arguments name ({@code
   * --spring.datasource.url=…}): one of several instances sharing one PostgreSQL.
   */
  static ServerProcess instance(Path jar, String name, int port, List<String> serverArgs)
      throws Exception {
    List<String> args = new ArrayList<>(serverArgs);
    args.add("--app.demo.enabled=false");
    return start(jar, name, port, args, null, READINESS, 8, List.of());
  }

  private static final String READINESS = "/actuator/health/readiness";

  /**
   * Another server (the plain HAPI baseline): ready when {@code /fhir/metadata} answers 200, as it
   * has no health endpoint.
   */
  static ServerProcess plain(Path jar, String name, List<String> serverArgs) throws Exception {
    return start(jar, name, freePort(), serverArgs, null, "/fhir/metadata", 3, List.of());
  }

  int port() {
    return port;
  }

  /** SIGTERM, then waits for the graceful shutdown to end. */
  void terminate() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }

  /** SIGKILL: no shutdown at all, as when a machine or container dies. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  private static ServerProcess start(
      Path jar,
      String name,
      List<String> serverArgs,
      Path dataDirectory,
      boolean demo,
      List<String> jvmOptions)
      throws Exception {
    List<String> args = new ArrayList<>();
    args.add("--app.database.embedded.data-directory=" + dataDirectory);
    args.add("--app.demo.enabled=" + demo);
    args.addAll(serverArgs);
    return start(jar, name, freePort(), args, dataDirectory, READINESS, 3, jvmOptions);
  }

  private static ServerProcess start(
      Path jar,
      String name,
      int port,
      List<String> serverArgs,
      Path dataDirectory,
      String readyPath,
      int patienceMinutes,
      List<String> jvmOptions)
      throws Exception {
    Path log = Path.of("target", "bench-" + name + ".log");
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>();
    command.add(java());
    command.add("-Xmx1g");
    command.addAll(jvmOptions);
    // -Dbench.server.jvm="-XX:StartFlightRecording=filename=target/x.jfr" profiles the server.
    String jvm = System.getProperty("bench.server.jvm", "").strip();
    if (!jvm.isEmpty()) {
      command.addAll(List.of(jvm.split("\\s+")));
    }
    command.add("-jar");
    command.add(jar.toString());
    command.add("--server.port=" + port);
    command.addAll(serverArgs);
    long started = System.nanoTime();
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    waitUntilReady(process, port, log, readyPath, patienceMinutes);
    double seconds = (System.nanoTime() - started) / 1e9;
    return new ServerProcess(process, port, dataDirectory, seconds, log);
  }

  String fhirBase() {
    return "http://localhost:" + port + "/fhir";
  }

  double secondsToReady() {
    return secondsToReady;
  }

  /** Resident memory of the server JVM (PostgreSQL runs in processes of its own). */
  long rssBytes() throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return -1;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    process.waitFor();
  }

  void deleteData() throws Exception {
    deleteTree(dataDirectory);
  }

  /** Deletes a directory and everything under it. */
  static void deleteTree(Path directory) throws IOException {
    try (var files = Files.walk(directory)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The java launcher of the JVM running the bench (servers run on the same JDK). */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Several instances starting at once on two cores share them: a longer patience ({@code minutes})
   * for those.
   */
  private static void waitUntilReady(
      Process process, int port, Path log, String readyPath, int minutes) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest readiness =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + readyPath))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + Duration.ofMinutes(minutes).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("The server exited during start; see " + log);
      }
      try {
        if (http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "The server was not ready within " + minutes + " minutes; see " + log);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
