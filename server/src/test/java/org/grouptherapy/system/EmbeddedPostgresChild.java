package org.grouptherapy.system;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/**
 * Run in a child JVM by {@link EmbeddedPostgresCrashRecoveryIT}: starts the embedded PostgreSQL on
 * the given data directory, writes a row, says READY, and waits to be killed.
 */
public final class EmbeddedPostgresChild {

  private EmbeddedPostgresChild() {}

  public static void main(String[] args) throws Exception {
    EmbeddedPostgres postgres =
        EmbeddedPostgresLauncher.start(new AppProperties.Embedded(Path.of(args[0]), 0));
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS survivor (note text)");
      statement.execute("INSERT INTO survivor VALUES ('written before the crash')");
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
