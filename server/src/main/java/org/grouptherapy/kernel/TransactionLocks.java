package org.grouptherapy.kernel;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * PostgreSQL advisory locks held until the current transaction ends: what serializes work on one
 * thing (a group's seats, a session's open seats, reconcile) across threads and server instances. A
 * lock is named ("group:Group/12"); the name is hashed to PostgreSQL's 64-bit key.
 */
@Component
public class TransactionLocks {

  private final JdbcTemplate jdbc;

  TransactionLocks(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Waits for the lock and holds it to the end of the current transaction. */
  public void lock(String name) {
    jdbc.queryForObject("SELECT pg_advisory_xact_lock(hashtextextended(?, 7))", Object.class, name);
  }
}
