package org.grouptherapy.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * A local HTTP text-message provider for the test JVM (a real server on a loopback port), wired
 * into the shared context as {@code app.reminders.sms.url} with a bearer token. It keeps every
 * message it accepted, with the token it was sent.
 */
public class TestSmsProvider
    implements ApplicationContextInitializer<ConfigurableApplicationContext> {

  public static final String TOKEN = "test-sms-token";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static HttpServer server;

  /** One accepted message: the number, the text, the Communication, the bearer token. */
  public record Sms(String to, String body, String reference, String authorization) {}

  private static final List<Sms> messages = new ArrayList<>();

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    int port = start();
    context
        .getEnvironment()
        .getPropertySources()
        .addFirst(
            new MapPropertySource(
                "test-sms-provider",
                Map.of(
                    "app.reminders.sms.url",
                    "http://127.0.0.1:" + port + "/messages",
                    "app.reminders.sms.token",
                    TOKEN)));
  }

  private static synchronized int start() {
    if (server == null) {
      try {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.createContext(
          "/messages",
          exchange -> {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            synchronized (TestSmsProvider.class) {
              messages.add(
                  new Sms(
                      body.path("to").asText(),
                      body.path("body").asText(),
                      body.path("reference").asText(),
                      exchange.getRequestHeaders().getFirst("Authorization")));
            }
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
          });
      server.start();
    }
    return server.getAddress().getPort();
  }

  /** Messages accepted for one number (each test uses its own numbers). */
  public static synchronized List<Sms> receivedBy(String number) {
    return messages.stream().filter(m -> m.to().equals(number)).toList();
  }
}
