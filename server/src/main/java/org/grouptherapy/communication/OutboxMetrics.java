package org.grouptherapy.communication;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The outbox as metrics (read from the database when scraped, so every instance reports the one
 * shared backlog): {@code gt.outbox.messages{status=pending|failed}}, and how long the oldest
 * pending message has waited ({@code gt.outbox.oldest.pending.seconds}).
 */
@Component
class OutboxMetrics {

  OutboxMetrics(JdbcTemplate jdbc, MeterRegistry meters) {
    for (String status : new String[] {"pending", "failed"}) {
      Gauge.builder(
              "gt.outbox.messages",
              jdbc,
              db -> count(db, "SELECT count(*) FROM gt.outbox_message WHERE status = ?", status))
          .description("Notification messages in the outbox, by status")
          .tag("status", status)
          .register(meters);
    }
    Gauge.builder(
            "gt.outbox.oldest.pending.seconds",
            jdbc,
            db ->
                count(
                    db,
                    "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)"
                        + " FROM gt.outbox_message WHERE status = ?",
                    "pending"))
        .description("How long the oldest undelivered message has waited")
        .register(meters);
  }

  private static double count(JdbcTemplate jdbc, String sql, String status) {
    Number value = jdbc.queryForObject(sql, Number.class, status);
    return value == null ? 0 : value.doubleValue();
  }
}
