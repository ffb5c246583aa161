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
