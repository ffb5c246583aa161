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
    return start(jar, name, serverArgs, Files.createTempDirectory("gt-bench-" + name), false);
  }

  /** A server with the demo practice, on a fresh database (the demo is loaded) or a used one. */
  static ServerProcess startWithDemo(Path jar, String name, Path dataDirectory) throws Exception {
    return start(jar, name, List.of(), dataDirectory, true);
  }

  Path log() {
    return log;
  }

  /** Stops this server and starts the same configuration again on the same database. */
  ServerProcess restart(Path jar, String name, List<String> serverArgs) throws Exception {
    process.destroy();
    process.waitFor();
    return start(jar, name + "-restart", serverArgs, dataDirectory, false);
  }

  private static ServerProcess start(
      Path jar, String name, List<String> serverArgs, Path dataDirectory, boolean demo)
      throws Exception {
    int port = freePort();
    Path log = Path.of("target", "bench-" + name + ".log");
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    // -Dbench.server.jvm="-XX:StartFlightRecording=filename=target/x.jfr" profiles the server.
    String jvm = System.getProperty("bench.server.jvm", "").strip();
    if (!jvm.isEmpty()) {
      command.addAll(List.of(jvm.split("\\s+")));
    }
    command.add("-jar");
    command.add(jar.toString());
    command.add("--server.port=" + port);
    command.add("--app.database.embedded.data-directory=" + dataDirectory);
    command.add("--app.demo.enabled=" + demo);
    command.addAll(serverArgs);
    long started = System.nanoTime();
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    waitUntilReady(process, port, log);
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
    try (var files = Files.walk(dataDirectory)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void waitUntilReady(Process process, int port, Path log) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest readiness =
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/actuator/health/readiness"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
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
    throw new IllegalStateException("The server was not ready within 3 minutes; see " + log);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
