package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.grouptherapy.fhir.ServerUrls;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;

/**
 * SMART App Launch 2.2 discovery: {@code /fhir/.well-known/smart-configuration}, and the SMART
 * security service with its OAuth URIs in the CapabilityStatement.
 */
@Configuration(proxyBeanMethods = false)
class SmartConfiguration {

  static final List<String> CAPABILITIES =
      List.of(
          "launch-standalone",
          "launch-ehr",
          "client-public",
          "client-confidential-symmetric",
          "client-confidential-asymmetric",
          "context-standalone-patient",
          "context-ehr-patient",
          "context-ehr-encounter",
          "permission-offline",
          "permission-online",
          "permission-patient",
          "permission-user",
          "permission-v1",
          "permission-v2",
          "sso-openid-connect");

  private final ServerUrls urls;
  private final AppProperties properties;
  private volatile Map<String, Object> external;

  SmartConfiguration(ServerUrls urls, AppProperties properties) {
    this.urls = urls;
    this.properties = properties;
  }

  Map<String, Object> document() {
    Map<String, Object> doc = new LinkedHashMap<>();
    String issuer = urls.issuer();
    Map<String, Object> provider =
        properties.security().embeddedAuthorizationServer() ? null : discovery();
    doc.put("issuer", issuer);
    doc.put("jwks_uri", endpoint(provider, "jwks_uri", issuer + "/oauth2/jwks"));
    doc.put(
        "authorization_endpoint",
        endpoint(provider, "authorization_endpoint", issuer + "/oauth2/authorize"));
    doc.put("token_endpoint", endpoint(provider, "token_endpoint", issuer + "/oauth2/token"));
    doc.put(
        "introspection_endpoint",
        endpoint(provider, "introspection_endpoint", issuer + "/oauth2/introspect"));
    doc.put(
        "revocation_endpoint",
        endpoint(provider, "revocation_endpoint", issuer + "/oauth2/revoke"));
    doc.put("userinfo_endpoint", endpoint(provider, "userinfo_endpoint", issuer + "/userinfo"));
    doc.put(
        "grant_types_supported",
        List.of("authorization_code", "client_credentials", "refresh_token"));
    doc.put("response_types_supported", List.of("code"));
    doc.put("code_challenge_methods_supported", List.of("S256"));
    doc.put(
        "token_endpoint_auth_methods_supported",
        List.of("private_key_jwt", "client_secret_basic", "client_secret_post", "none"));
    doc.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS384", "ES384"));
    doc.put(
        "scopes_supported",
        List.of(
            "openid",
            "fhirUser",
            "profile",
            "launch",
            "launch/patient",
            "offline_access",
            "online_access",
            "patient/*.rs",
            "patient/*.cruds",
            "user/*.rs",
            "user/*.cruds",
            "system/*.rs",
            "system/*.cruds",
            "patient/*.read",
            "user/*.read",
            "user/*.write",
            "system/*.read"));
    doc.put("capabilities", CAPABILITIES);
    return doc;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> discovery() {
    if (external == null) {
      external =
          RestClient.create()
              .get()
              .uri(
                  properties.security().issuerUri().replaceAll("/+$", "")
                      + "/.well-known/openid-configuration")
              .retrieve()
              .body(Map.class);
    }
    return external;
  }

  private static Object endpoint(Map<String, Object> provider, String key, String embedded) {
    return provider == null ? embedded : provider.getOrDefault(key, embedded);
  }

  @Bean
  ServletRegistrationBean<HttpServlet> smartConfigurationServlet(ObjectMapper json) {
    HttpServlet servlet =
        new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response)
              throws IOException {
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "max-age=3600");
            json.writeValue(response.getOutputStream(), document());
          }
        };
    ServletRegistrationBean<HttpServlet> registration =
        new ServletRegistrationBean<>(
            servlet, properties.fhir().path() + "/.well-known/smart-configuration");
    registration.setName("smart-configuration");
    return registration;
  }

  @Bean
  SmartCapabilityStatement smartCapabilityStatement() {
    return new SmartCapabilityStatement();
  }

  /** The SMART-on-FHIR security service and OAuth URIs in /fhir/metadata. */
  @Interceptor
  class SmartCapabilityStatement implements FhirRestInterceptor {
    static final String OAUTH_URIS =
        "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void addSecurity(IBaseConformance conformance) {
      CapabilityStatement statement = (CapabilityStatement) conformance;
      Map<String, Object> doc = document();
      CapabilityStatement.CapabilityStatementRestSecurityComponent security =
          statement.getRestFirstRep().getSecurity();
      security.setCors(BrowserPolicy.corsEnabled(properties));
      security.getService().clear();
      security.addService(
          new CodeableConcept()
              .addCoding(
                  new org.hl7.fhir.r4.model.Coding(
                      "http://terminology.hl7.org/CodeSystem/restful-security-service",
                      "SMART-on-FHIR",
                      "SMART-on-FHIR"))
              .setText(
                  "OAuth2 using SMART-on-FHIR profile (see /.well-known/smart-configuration)"));
      security.getExtension().removeIf(e -> OAUTH_URIS.equals(e.getUrl()));
      Extension uris = security.addExtension().setUrl(OAUTH_URIS);
      // Only the sub-extensions R4's oauth-uris defines (authorize, token, register, manage); the
      // introspection and revocation endpoints are in /.well-known/smart-configuration.
      for (String name : List.of("authorize", "token")) {
        String key = "authorize".equals(name) ? "authorization_endpoint" : "token_endpoint";
        uris.addExtension(name, new UriType(String.valueOf(doc.get(key))));
      }
    }
  }
}
