package org.grouptherapy.fhir;

import java.time.Duration;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Whether a periodic job is due across every instance on this database: the first instance whose
 * firing finds the job due claims this round ({@code gt.cluster_job}, one atomic upsert) and runs
 * it; the others skip it. A round is due a little before its interval has passed since the last
 * claimed one (nine tenths of it), so timers that drift apart still run it once per interval, not
 * once per instance. A claim that crashes mid-job is not retried before the next round.
 */
@Component
public class OncePerCluster {

  private final JdbcTemplate jdbc;

  OncePerCluster(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Claims this round of {@code job} if it is due; answers whether this caller should run it. */
  public boolean claim(String job, Duration interval) {
    long dueInMillis = Math.max(1, interval.toMillis() * 9 / 10);
    List<String> claimed =
        jdbc.queryForList(
            "INSERT INTO gt.cluster_job (job, next_due, last_run) VALUES (?, now() +"
                + " make_interval(secs => ? / 1000.0), now()) ON CONFLICT (job) DO UPDATE SET"
                + " next_due = excluded.next_due, last_run = excluded.last_run"
                + " WHERE gt.cluster_job.next_due <= now() RETURNING job",
            String.class,
            job,
            dueInMillis);
    return !claimed.isEmpty();
  }
}
