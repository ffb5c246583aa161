package org.grouptherapy.system;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Start-up work that must run once however many instances start on one database at the same moment
 * (schema migrations, the conformance package, the demo practice, the demo identities): each runs
 * holding a PostgreSQL session advisory lock on a connection of its own, so the others wait, then
 * run the same task, find it done and skip it. The lock goes with the connection: an instance that
 * dies holding it frees it.
 */
@Component
public class StartupLock {

  private static final Logger log = LoggerFactory.getLogger(StartupLock.class);

  private final DataSource dataSource;

  public StartupLock(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Runs the task holding the named lock. */
  public void run(String name, ThrowingRunnable task) throws Exception {
    call(
        dataSource,
        name,
        () -> {
          task.run();
          return null;
        });
  }

  /** A task that may throw. */
  @FunctionalInterface
  public interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Runs the task holding the named lock, on a connection of the given data source. */
  public static <T> T call(DataSource dataSource, String name, Callable<T> task) throws Exception {
    try (Connection connection = dataSource.getConnection()) {
      long started = System.nanoTime();
      execute(connection, "SELECT pg_advisory_lock(hashtextextended(?, 11))", name);
      long waited = (System.nanoTime() - started) / 1_000_000;
      if (waited > 500) {
        log.info("Start-up task {} waited {} ms for another instance", name, waited);
      }
      try {
        return task.call();
      } finally {
        execute(connection, "SELECT pg_advisory_unlock(hashtextextended(?, 11))", name);
      }
    }
  }

  private static void execute(Connection connection, String sql, String name) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, name);
      statement.executeQuery().close();
    }
  }
}
