package org.grouptherapy.system;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the embedded PostgreSQL on a persistent data directory and recovers from the lock that a
 * crashed run leaves behind.
 *
 * <p>zonky starts PostgreSQL through {@code pg_ctl}, so the postmaster is not a child of the JVM: a
 * JVM killed with SIGKILL leaves it running (or leaves its {@code postmaster.pid}), and the next
 * start would fail. Before starting we therefore stop an orphaned postmaster of this data
 * directory, and remove a pid file whose process is gone or is no longer PostgreSQL.
 */
public final class EmbeddedPostgresLauncher {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresLauncher.class);
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(30);

  private EmbeddedPostgresLauncher() {}

  public static EmbeddedPostgres start(AppProperties.Embedded settings) throws IOException {
    Path dataDirectory = settings.dataDirectory().toAbsolutePath().normalize();
    Files.createDirectories(dataDirectory);
    recoverStaleLock(dataDirectory);
    int port = settings.port() > 0 ? settings.port() : freePort();
    log.info("Starting embedded PostgreSQL on port {} with data in {}", port, dataDirectory);
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("max_connections", "200")
        .setServerConfig("shared_buffers", "256MB")
        .setServerConfig("fsync", "on")
        // zonky defaults to synchronous_commit=off: a commit is acknowledged before its WAL is
        // flushed, and a crash right after loses it. What the server acknowledged must be kept.
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "on")
        // Whoever starts it stops it (Spring, after every bean that uses it). zonky's own JVM
        // shutdown hook would stop PostgreSQL while Spring's hook, running at the same time, still
        // writes the last audit events and stops HAPI's schedulers: events lost and a stop that
        // hung for 30 seconds waiting for connections.
        .setRegisterShutdownHook(false)
        .start();
  }

  static void recoverStaleLock(Path dataDirectory) throws IOException {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    Optional<ProcessHandle> postmaster = readPid(pidFile).flatMap(ProcessHandle::of);
    if (postmaster.isPresent() && postmaster.get().isAlive() && isPostgres(postmaster.get())) {
      log.warn(
          "An earlier run left PostgreSQL (pid {}) running on {}; stopping it before starting again",
          postmaster.get().pid(),
          dataDirectory);
      stop(postmaster.get());
    }
    if (Files.deleteIfExists(pidFile)) {
      log.warn("Removed the stale lock {} left by a run that did not shut down", pidFile);
    }
  }

  private static Optional<Long> readPid(Path pidFile) throws IOException {
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean isPostgres(ProcessHandle process) {
    return process.info().command().map(command -> command.contains("postgres")).orElse(false);
  }

  /** SIGTERM asks the postmaster for a smart shutdown, which ends cleanly with no clients left. */
  private static void stop(ProcessHandle postmaster) throws IOException {
    postmaster.destroy();
    try {
      postmaster.onExit().get(SHUTDOWN_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException(
          "PostgreSQL (pid " + postmaster.pid() + ") left by an earlier run did not stop", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
