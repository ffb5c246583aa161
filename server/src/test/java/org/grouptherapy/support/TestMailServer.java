package org.grouptherapy.support;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * A real SMTP server (GreenMail) for the test JVM, started before the shared Spring context and
 * wired into it as {@code spring.mail.*}. Tests may stop and start it to see retries.
 */
public class TestMailServer
    implements ApplicationContextInitializer<ConfigurableApplicationContext> {

  private static ServerSetup setup;
  private static GreenMail server;

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    start();
    context
        .getEnvironment()
        .getPropertySources()
        .addFirst(
            new MapPropertySource(
                "greenmail",
                Map.of(
                    "spring.mail.host",
                    setup.getBindAddress(),
                    "spring.mail.port",
                    String.valueOf(setup.getPort()),
                    "app.notifications.dispatch-interval",
                    "200ms",
                    "app.notifications.initial-backoff",
                    "300ms")));
  }

  public static synchronized void start() {
    if (setup == null) {
      setup = new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
    }
    if (server == null) {
      server = new GreenMail(setup);
      server.start();
    }
  }

  public static synchronized void stop() {
    if (server != null) {
      server.stop();
      server = null;
    }
  }

  public static synchronized List<MimeMessage> received() {
    return server == null ? List.of() : List.of(server.getReceivedMessages());
  }

  /** Messages to one address (each test uses its own addresses). */
  public static List<MimeMessage> receivedBy(String address) {
    return received().stream()
        .filter(
            m -> {
              try {
                return m.getAllRecipients() != null
                    && java.util.Arrays.stream(m.getAllRecipients())
                        .anyMatch(a -> a.toString().equalsIgnoreCase(address));
              } catch (jakarta.mail.MessagingException e) {
                return false;
              }
            })
        .toList();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
