package org.grouptherapy.fhir;

import ca.uhn.fhir.rest.server.IServerAddressStrategy;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import org.grouptherapy.system.AppProperties;

/**
 * The FHIR base URL in links and generated documents: {@code app.fhir.server-address} when set,
 * else the public URL ({@code app.security.public-url}, or http://localhost on the server's port),
 * the same for every caller whatever {@code Host} a request carries.
 */
final class PublicServerAddress implements IServerAddressStrategy {

  private final AppProperties properties;
  private final ServerUrls urls;

  PublicServerAddress(AppProperties properties, ServerUrls urls) {
    this.properties = properties;
    this.urls = urls;
  }

  @Override
  public String determineServerBase(ServletContext context, HttpServletRequest request) {
    String configured = properties.fhir().serverAddress();
    return configured.isBlank() ? urls.fhirBaseUrl() : configured.replaceAll("/+$", "");
  }
}
