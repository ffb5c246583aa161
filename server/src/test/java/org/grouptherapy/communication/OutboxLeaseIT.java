package org.grouptherapy.communication;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.grouptherapy.system.AppProperties;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A hung SMTP server (it accepts and never answers) holds no outbox row and no transaction: the
 * dispatcher leases the message in a short transaction and sends outside it; when the send fails,
 * the failure is written for a retry. And mail being down does not make the server's health DOWN.
 * The dispatcher here runs on a clock two hours ahead, on a message due in an hour, so the server's
 * own dispatcher leaves it alone.
 */
@IntegrationTest
class OutboxLeaseIT {

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired PlatformTransactionManager transactions;
  @Autowired DaoRegistry daos;
  @Autowired AppProperties properties;

  @Test
  void aHungMailServerHoldsNoRowAndTheFailureIsKeptForARetry() throws Exception {
    String communication = "Communication/lease-" + UUID.randomUUID();
    long id =
        jdbc.queryForObject(
            "INSERT INTO gt.outbox_message (communication, channel, address, subject, body,"
                + " next_attempt_at) VALUES (?, 'email', 'member@example.org', 'Reminder',"
                + " 'Tuesday 6 pm', now() + interval '1 hour') RETURNING id",
            Long.class,
            communication);
    CountDownLatch connected = new CountDownLatch(1);
    List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
    try (ServerSocket hung = new ServerSocket(0)) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(hung.accept()); // and never a greeting
                    connected.countDown();
                  }
                } catch (java.io.IOException closed) {
                  // the test is over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      OutboxDispatcher dispatcher =
          new OutboxDispatcher(
              jdbc,
              transactions,
              List.of(
                  new EmailChannel(
                      new StaticListableBeanFactory(Map.of("mail", hungSender(hung.getLocalPort())))
                          .getBeanProvider(JavaMailSender.class),
                      properties)),
              daos,
              properties,
              Clock.offset(Clock.systemUTC(), Duration.ofHours(2)));

      CompletableFuture<Integer> round = CompletableFuture.supplyAsync(dispatcher::dispatch);
      assertThat(connected.await(Waits.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

      // While the send hangs, the row is leased but not locked, and no transaction is open on it.
      Map<String, Object> leased =
          new TransactionTemplate(transactions)
              .execute(
                  tx ->
                      jdbc.queryForMap(
                          "SELECT lease_until, lease_token FROM gt.outbox_message"
                              + " WHERE id = ? FOR UPDATE NOWAIT",
                          id));
      assertThat(leased.get("lease_until")).isNotNull();
      assertThat(leased.get("lease_token")).isNotNull();

      // The server hangs up: the send fails now rather than at the (long) read timeout.
      for (Socket socket : held) {
        socket.close();
      }
      assertThat(round.get(Waits.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
      Map<String, Object> after =
          jdbc.queryForMap(
              "SELECT status, attempts, lease_token, last_error FROM gt.outbox_message"
                  + " WHERE id = ?",
              id);
      assertThat(after.get("status")).isEqualTo("pending");
      assertThat(after.get("attempts")).isEqualTo(1);
      assertThat(after.get("lease_token")).isNull();
      assertThat(String.valueOf(after.get("last_error"))).contains("Mail");
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
      jdbc.update("DELETE FROM gt.outbox_message WHERE id = ?", id);
    }

    HttpResponse<String> health =
        SmartAuth.send(
            HttpClient.newHttpClient(),
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")));
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"UP\"").doesNotContain("mail");
  }

  private static JavaMailSender hungSender(int port) {
    JavaMailSenderImpl sender = new JavaMailSenderImpl();
    sender.setHost("127.0.0.1");
    sender.setPort(port);
    Properties timeouts = new Properties();
    String patience = String.valueOf(Waits.PATIENCE.toMillis());
    timeouts.put("mail.smtp.connectiontimeout", patience);
    timeouts.put("mail.smtp.timeout", patience);
    timeouts.put("mail.smtp.writetimeout", patience);
    sender.setJavaMailProperties(timeouts);
    return sender;
  }
}
