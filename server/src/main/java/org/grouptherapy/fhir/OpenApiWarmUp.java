package org.grouptherapy.fhir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.grouptherapy.system.AppProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.server.WebServer;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Builds the full OpenAPI document once the server is ready, in the background, by asking for it on
 * the local port ({@link ProjectOpenApi} keeps it): the first person to open it gets it at once.
 */
@Component
class OpenApiWarmUp {

  private static final Logger log = LoggerFactory.getLogger(OpenApiWarmUp.class);

  private final AppProperties properties;

  OpenApiWarmUp(AppProperties properties) {
    this.properties = properties;
  }

  @EventListener
  void ready(AvailabilityChangeEvent<ReadinessState> event) {
    ReadinessGate.readyWebServer(event).ifPresent(this::warmUp);
  }

  private void warmUp(WebServer web) {
    URI document =
        URI.create("http://localhost:" + web.getPort() + properties.fhir().path() + "/api-docs");
    Thread warmUp =
        new Thread(
            () -> {
              try {
                HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .build()
                    .send(
                        HttpRequest.newBuilder(document).build(),
                        HttpResponse.BodyHandlers.discarding());
              } catch (java.io.IOException e) {
                log.debug("The OpenAPI document is built on first request instead", e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "openapi-warm-up");
    warmUp.setDaemon(true);
    warmUp.setPriority(Thread.MIN_PRIORITY);
    warmUp.start();
  }
}
