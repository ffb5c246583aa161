package org.grouptherapy.fhir;

import org.grouptherapy.system.AppProperties;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The server's public URLs: {@code app.security.public-url} when set (behind a proxy), else
 * http://localhost on the port the server listens on. The embedded authorization server's issuer is
 * the base URL, and tokens are issued for the FHIR base URL as audience.
 */
@Component
public class ServerUrls {

  private final AppProperties properties;
  private volatile int port = 8080;

  ServerUrls(AppProperties properties) {
    this.properties = properties;
  }

  @EventListener
  void listening(WebServerInitializedEvent event) {
    if (event.getApplicationContext().getServerNamespace() == null) {
      port = event.getWebServer().getPort();
    }
  }

  public String baseUrl() {
    String configured = properties.security().publicUrl();
    if (!configured.isBlank()) {
      return configured.replaceAll("/+$", "");
    }
    return "http://localhost:" + port;
  }

  public String fhirBaseUrl() {
    return baseUrl() + properties.fhir().path();
  }

  public String issuer() {
    return properties.security().embeddedAuthorizationServer()
        ? baseUrl()
        : properties.security().issuerUri();
  }
}
