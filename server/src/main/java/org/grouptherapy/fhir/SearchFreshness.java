package org.grouptherapy.fhir;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.grouptherapy.kernel.PeriodicTask;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Whether a saved search still answers what the database would. Every transaction that writes FHIR
 * resources is noted in {@code gt.resource_write} by database triggers (migration V27), on
 * whichever instance or tool wrote. A search notes PostgreSQL's snapshot ({@code
 * pg_current_snapshot()}) before its query runs; it is unchanged while every noted transaction is
 * visible in that snapshot. A transaction in progress when the snapshot was taken (its {@code xip}
 * list), or begun after (from its {@code xmax} on), is not, so a write racing the search makes it
 * stale rather than slipping past. Both are index probes, however old the oldest transaction still
 * running.
 *
 * <p>Snapshots are kept here for {@link #KEPT} (HAPI reuses a search for a minute at most); notes
 * of writes are deleted after ten minutes, by every instance (the delete is idempotent).
 */
@Component
public class SearchFreshness implements SmartLifecycle {

  /** Twice the longest a saved search is reused. */
  static final Duration KEPT = FhirJpaConfiguration.REUSE_SEARCHES_FOR.multipliedBy(2);

  private final JdbcTemplate jdbc;
  private final Map<String, Taken> snapshots = new ConcurrentHashMap<>();
  private final PeriodicTask cleanup;
  private final Counter reused;
  private final Counter stale;

  private record Taken(String snapshot, long nanos) {}

  SearchFreshness(JdbcTemplate jdbc, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.cleanup = new PeriodicTask("search-freshness", Duration.ofMinutes(1), this::cleanUp);
    this.reused =
        Counter.builder("gt.search.reuse")
            .tag("outcome", "fresh")
            .description("Saved searches reused: no write committed since their snapshot")
            .register(meters);
    this.stale =
        Counter.builder("gt.search.reuse")
            .tag("outcome", "stale")
            .description("Saved searches not reused: a write committed since their snapshot")
            .register(meters);
  }

  /** The database's snapshot and the saved searches of one query, newest first. */
  record Candidates(String snapshot, List<String> newestFirst) {}

  /**
   * The saved searches HAPI would consider for reuse (same type and stored query, created after
   * {@code createdAfter}, not deleted or failed), and the current snapshot, in one statement.
   */
  Candidates candidates(String resourceType, String storedQuery, Instant createdAfter) {
    List<String> uuids = new ArrayList<>();
    String[] snapshot = new String[1];
    jdbc.query(
        """
        SELECT pg_current_snapshot()::text, s.search_uuid, s.search_query_string_vc
          FROM (VALUES (1)) AS one
          LEFT JOIN hfj_search s
            ON s.resource_type = ? AND s.search_query_string_hash = ? AND s.created > ?
           AND s.search_deleted = false AND s.search_status <> 'FAILED'
         ORDER BY s.created DESC NULLS LAST
        """,
        row -> {
          snapshot[0] = row.getString(1);
          if (storedQuery.equals(row.getString(3))) {
            uuids.add(row.getString(2));
          }
        },
        resourceType,
        storedQuery.hashCode(),
        Timestamp.from(createdAfter));
    return new Candidates(snapshot[0], uuids);
  }

  /**
   * Notes the snapshot of a search about to run its query: {@code snapshot} if the reuse lookup
   * just took one on this thread, else a new one.
   */
  void remember(String searchUuid, String snapshot) {
    String taken =
        snapshot != null
            ? snapshot
            : jdbc.queryForObject("SELECT pg_current_snapshot()::text", String.class);
    snapshots.put(searchUuid, new Taken(taken, System.nanoTime()));
  }

  /** Whether this instance took the search's snapshot (and still keeps it). */
  boolean knows(String searchUuid) {
    return kept(searchUuid) != null;
  }

  /** True when no write to FHIR resources has committed since the search's snapshot. */
  boolean unchangedSince(String searchUuid) {
    Taken taken = kept(searchUuid);
    boolean fresh =
        taken != null
            && Boolean.FALSE.equals(
                jdbc.queryForObject(
                    """
                    SELECT EXISTS (SELECT 1 FROM gt.resource_write
                                    WHERE xid >= pg_snapshot_xmax(CAST(? AS pg_snapshot)))
                        OR EXISTS (SELECT 1 FROM gt.resource_write
                                    WHERE xid IN (SELECT pg_snapshot_xip(CAST(? AS pg_snapshot))))
                    """,
                    Boolean.class,
                    taken.snapshot(),
                    taken.snapshot()));
    (fresh ? reused : stale).increment();
    return fresh;
  }

  private Taken kept(String searchUuid) {
    Taken taken = snapshots.get(searchUuid);
    return taken != null && System.nanoTime() - taken.nanos() < KEPT.toNanos() ? taken : null;
  }

  void cleanUp() {
    long oldest = System.nanoTime() - KEPT.toNanos();
    snapshots.values().removeIf(taken -> taken.nanos() < oldest);
    jdbc.update("DELETE FROM gt.resource_write WHERE at < now() - interval '10 minutes'");
  }

  @Override
  public void start() {
    cleanup.start();
  }

  @Override
  public void stop() {
    cleanup.stop();
  }

  @Override
  public boolean isRunning() {
    return cleanup.isRunning();
  }
}
