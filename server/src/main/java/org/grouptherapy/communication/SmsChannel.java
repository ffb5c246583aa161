package org.grouptherapy.communication;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import org.grouptherapy.system.AppProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;

/**
 * Text messages through the provider {@code app.reminders.sms} names: an HTTP provider (a JSON POST
 * of {@code to}, {@code body} and {@code reference}, the Communication, with a bearer token if
 * configured; any 2xx is accepted), or an SMTP-to-SMS gateway (mail to {@code <digits>@<gateway>},
 * through the configured SMTP server).
 */
@Component
class SmsChannel implements MessageChannel {

  static final String NAME = "sms";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AppProperties.Sms settings;
  private final ObjectProvider<JavaMailSender> mail;
  private final String from;
  private final HttpClient http;

  SmsChannel(ObjectProvider<JavaMailSender> mail, AppProperties properties) {
    this.settings = properties.reminders().sms();
    this.mail = mail;
    this.from = properties.notifications().from();
    this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Whether text messages are configured at all (reminders queue them only then). */
  boolean configured() {
    return settings.configured();
  }

  @Override
  public boolean ready() {
    return !settings.url().isBlank()
        || (!settings.emailGateway().isBlank() && mail.getIfAvailable() != null);
  }

  @Override
  public void send(Outgoing message) throws DeliveryException {
    if (settings.url().isBlank()) {
      String digits = message.address().replaceAll("[^0-9]", "");
      EmailChannel.send(mail.getObject(), from, digits + "@" + settings.emailGateway(), message);
      return;
    }
    Map<String, String> payload = new LinkedHashMap<>();
    payload.put("to", message.address());
    payload.put("body", message.body());
    payload.put("reference", message.communication());
    HttpResponse<Void> response;
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(settings.url()))
              .timeout(settings.timeout())
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(payload)));
      if (!settings.token().isBlank()) {
        request.header("Authorization", "Bearer " + settings.token());
      }
      response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      throw new DeliveryException("SMS provider unreachable: " + e.getClass().getSimpleName(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeliveryException("Interrupted while sending", e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new DeliveryException("SMS provider answered " + response.statusCode(), null);
    }
  }
}
