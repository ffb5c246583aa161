package org.grouptherapy.communication;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Queues a message for delivery in the caller's transaction: it is sent if and only if that
 * transaction commits.
 */
@Component
public class Outbox {

  private final JdbcTemplate jdbc;

  Outbox(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public void enqueueEmail(String communication, String address, String subject, String body) {
    enqueue(communication, EmailChannel.NAME, address, subject, body);
  }

  /** A text message (the body alone is sent; the subject is kept for the record). */
  public void enqueueSms(String communication, String number, String subject, String body) {
    enqueue(communication, SmsChannel.NAME, number, subject, body);
  }

  private void enqueue(
      String communication, String channel, String address, String subject, String body) {
    jdbc.update(
        "INSERT INTO gt.outbox_message (communication, channel, address, subject, body)"
            + " VALUES (?, ?, ?, ?, ?)",
        communication,
        channel,
        address,
        subject,
        body);
  }
}
