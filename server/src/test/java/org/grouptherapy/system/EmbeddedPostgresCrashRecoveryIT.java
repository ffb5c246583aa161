package org.grouptherapy.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.grouptherapy.support.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded database keeps its data across restarts and recovers from a crash: a JVM killed with
 * SIGKILL leaves its PostgreSQL running (or its postmaster.pid behind), and the next start must
 * still succeed on the same data directory.
 */
class EmbeddedPostgresCrashRecoveryIT {

  @TempDir Path dataDirectory;

  @Test
  void startsAgainAfterTheServerWasKilledAndKeepsItsData() throws Exception {
    Process child = startChild(dataDirectory);
    child.destroyForcibly();
    assertThat(child.waitFor(Waits.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(dataDirectory.resolve("postmaster.pid")).exists();

    try (EmbeddedPostgres postgres = EmbeddedPostgresLauncher.start(settings())) {
      assertThat(survivorRows(postgres)).isEqualTo(1);
    }
  }

  @Test
  void startsAgainOverAStalePidFileOfAProcessThatIsGone() throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgresLauncher.start(settings())) {
      try (Connection c = postgres.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE survivor (note text)");
        s.execute("INSERT INTO survivor VALUES ('kept')");
      }
    }
    Process finished = new ProcessBuilder("true").start();
    finished.waitFor();
    Files.writeString(
        dataDirectory.resolve("postmaster.pid"),
        finished.pid() + "\n" + dataDirectory + "\n0\n5432\n",
        StandardCharsets.UTF_8);

    try (EmbeddedPostgres postgres = EmbeddedPostgresLauncher.start(settings())) {
      assertThat(survivorRows(postgres)).isEqualTo(1);
    }
  }

  /**
   * What PostgreSQL acknowledged is on disk: zonky's default is {@code synchronous_commit=off},
   * which answers a commit before its WAL is flushed, so a crash right after lost acknowledged
   * writes. Every row committed here is still there after PostgreSQL's processes are killed with
   * SIGKILL the moment the last commit returned.
   */
  @Test
  void keepsEveryAcknowledgedCommitWhenPostgresIsKilled() throws Exception {
    int rows = 300;
    EmbeddedPostgres postgres = EmbeddedPostgresLauncher.start(settings());
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("on");
      }
      s.execute("CREATE TABLE survivor (note text)");
      for (int i = 0; i < rows; i++) {
        s.execute("INSERT INTO survivor VALUES ('acknowledged " + i + "')");
      }
      killPostgres(dataDirectory);
    }
    closeQuietly(postgres);

    try (EmbeddedPostgres restarted = EmbeddedPostgresLauncher.start(settings())) {
      assertThat(survivorRows(restarted)).isEqualTo(rows);
    }
  }

  /** Releases zonky's lock on the data directory; stopping the killed server fails, as it may. */
  private static void closeQuietly(EmbeddedPostgres killed) {
    try {
      killed.close();
    } catch (Exception | AssertionError expected) {
      // pg_ctl finds no server to stop
    }
  }

  private static void killPostgres(Path dataDirectory) throws Exception {
    long pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0));
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    java.util.List<ProcessHandle> all =
        Stream.concat(Stream.of(postmaster), postmaster.descendants()).toList();
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle process : all) {
      process.onExit().get(Waits.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private AppProperties.Embedded settings() {
    return new AppProperties.Embedded(dataDirectory, 0);
  }

  private static int survivorRows(EmbeddedPostgres postgres) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM survivor")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static Process startChild(Path dataDirectory) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                EmbeddedPostgresChild.class.getName(),
                dataDirectory.toString())
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + Waits.PATIENCE.toNanos();
    String line;
    while ((line = out.readLine()) != null) {
      if (line.contains("READY")) {
        return child;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    child.destroyForcibly();
    throw new AssertionError("The child JVM did not start PostgreSQL");
  }
}
