package org.grouptherapy.communication;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.grouptherapy.kernel.PeriodicTask;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.IdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Delivers the outbox through its channels (email when {@code spring.mail.host} is set, text
 * messages when an SMS provider is; {@link MessageChannel}). Each round claims due messages with a
 * lease ({@code lease_until}, {@code lease_token}) in a short transaction ({@code FOR UPDATE SKIP
 * LOCKED}), so several server instances share the work; the mail is sent outside any transaction,
 * with the lease renewed just before each send, and only the lease holder writes the outcome. A
 * hung SMTP server holds no rows or connections (mail timeouts in application.yaml); a dispatcher
 * that dies mid-send leaves a lease that expires, and the message is sent again (at least once).
 * Failures are retried with exponential backoff, then marked failed. The Communication follows:
 * completed (with {@code sent}) or stopped (with the reason). Logs carry ids and counts, never
 * addresses or content.
 */
@Component
class OutboxDispatcher implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(OutboxDispatcher.class);

  private record Message(
      long id,
      String communication,
      String channel,
      String address,
      String subject,
      String body,
      int attempts) {}

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final List<MessageChannel> channels;
  private final DaoRegistry daos;
  private final AppProperties.Notifications settings;
  private final Clock clock;
  private final PeriodicTask task;

  OutboxDispatcher(
      JdbcTemplate jdbc,
      PlatformTransactionManager transactionManager,
      List<MessageChannel> channels,
      DaoRegistry daos,
      AppProperties properties,
      Clock clock) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactionManager);
    this.channels = List.copyOf(channels);
    this.daos = daos;
    this.settings = properties.notifications();
    this.clock = clock;
    this.task =
        new PeriodicTask(
            "outbox-dispatcher",
            settings.dispatchInterval(),
            () -> {
              int sent;
              do {
                sent = dispatch();
              } while (sent == settings.batchSize());
            });
  }

  @Override
  public void start() {
    if (ready().isEmpty()) {
      log.info(
          "No SMTP server (spring.mail.host) or SMS provider configured: notifications stay in"
              + " the outbox");
      return;
    }
    task.start();
  }

  @Override
  public void stop() {
    task.stop();
  }

  @Override
  public boolean isRunning() {
    return task.isRunning();
  }

  private Map<String, MessageChannel> ready() {
    Map<String, MessageChannel> ready = new LinkedHashMap<>();
    for (MessageChannel channel : channels) {
      if (channel.ready()) {
        ready.put(channel.name(), channel);
      }
    }
    return ready;
  }

  /** One round: claims up to a batch of due messages of ready channels and tries each once. */
  int dispatch() {
    Map<String, MessageChannel> ready = ready();
    if (ready.isEmpty()) {
      return 0;
    }
    UUID lease = UUID.randomUUID();
    List<Message> claimed = claim(lease, ready.keySet());
    for (Message message : claimed) {
      if (renew(message, lease)) {
        deliver(ready.get(message.channel()), message, lease);
      }
    }
    return claimed.size();
  }

  /** Leases up to a batch of due messages whose lease (if any) has run out. */
  private List<Message> claim(UUID lease, Set<String> channelNames) {
    Timestamp now = Timestamp.from(clock.instant());
    Timestamp until = Timestamp.from(clock.instant().plus(settings.lease()));
    List<Message> claimed =
        transaction.execute(
            tx ->
                jdbc.query(
                    "UPDATE gt.outbox_message SET lease_until = ?, lease_token = ?"
                        + " WHERE id IN (SELECT id FROM gt.outbox_message"
                        + " WHERE status = 'pending' AND next_attempt_at <= ?"
                        + " AND (lease_until IS NULL OR lease_until < ?) AND channel = ANY (?)"
                        + " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)"
                        + " RETURNING id, communication, channel, address, subject, body,"
                        + " attempts",
                    ps -> {
                      ps.setTimestamp(1, until);
                      ps.setObject(2, lease);
                      ps.setTimestamp(3, now);
                      ps.setTimestamp(4, now);
                      ps.setArray(
                          5, ps.getConnection().createArrayOf("text", channelNames.toArray()));
                      ps.setInt(6, settings.batchSize());
                    },
                    (rs, i) ->
                        new Message(
                            rs.getLong("id"),
                            rs.getString("communication"),
                            rs.getString("channel"),
                            rs.getString("address"),
                            rs.getString("subject"),
                            rs.getString("body"),
                            rs.getInt("attempts"))));
    return claimed == null
        ? List.of()
        : claimed.stream().sorted(java.util.Comparator.comparingLong(Message::id)).toList();
  }

  /** Renews the lease just before sending; false if another dispatcher took the message. */
  private boolean renew(Message message, UUID lease) {
    return jdbc.update(
            "UPDATE gt.outbox_message SET lease_until = ? WHERE id = ? AND lease_token = ?"
                + " AND status = 'pending'",
            Timestamp.from(clock.instant().plus(settings.lease())),
            message.id(),
            lease)
        == 1;
  }

  private void deliver(MessageChannel channel, Message message, UUID lease) {
    Instant now = clock.instant();
    try {
      channel.send(
          new MessageChannel.Outgoing(
              message.communication(), message.address(), message.subject(), message.body()));
    } catch (MessageChannel.DeliveryException e) {
      int attempts = message.attempts() + 1;
      boolean giveUp = attempts >= settings.maxAttempts();
      Duration wait = settings.initialBackoff().multipliedBy(1L << Math.min(attempts - 1, 16));
      int written =
          jdbc.update(
              "UPDATE gt.outbox_message SET attempts = ?, last_error = ?, next_attempt_at = ?,"
                  + " status = ?, lease_until = NULL, lease_token = NULL"
                  + " WHERE id = ? AND lease_token = ?",
              attempts,
              e.getMessage(),
              Timestamp.from(now.plus(wait)),
              giveUp ? "failed" : "pending",
              message.id(),
              lease);
      if (giveUp && written == 1) {
        mark(
            message.communication(),
            Communication.CommunicationStatus.STOPPED,
            (EmailChannel.NAME.equals(message.channel()) ? "Email" : "Text message")
                + " could not be delivered after "
                + attempts
                + " attempts",
            null);
      }
      log.info(
          "Outbox message {} not delivered (attempt {}){}",
          message.id(),
          attempts,
          giveUp ? "; giving up" : "");
      return;
    }
    jdbc.update(
        "UPDATE gt.outbox_message SET status = 'sent', attempts = attempts + 1, sent_at = ?,"
            + " last_error = NULL, lease_until = NULL, lease_token = NULL WHERE id = ?",
        Timestamp.from(now),
        message.id());
    mark(message.communication(), Communication.CommunicationStatus.COMPLETED, null, now);
  }

  private void mark(
      String id, Communication.CommunicationStatus status, String reason, Instant sent) {
    var dao = daos.getResourceDao(Communication.class);
    SystemRequestDetails request = new SystemRequestDetails();
    Communication communication;
    try {
      communication = dao.read(new IdType(id), request);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return; // deleted since: the message's own status still says what happened
    }
    communication.setStatus(status);
    if (reason != null) {
      communication.getStatusReason().setText(reason);
    }
    if (sent != null) {
      communication.setSent(Date.from(sent));
    }
    dao.update(communication, request);
  }
}
