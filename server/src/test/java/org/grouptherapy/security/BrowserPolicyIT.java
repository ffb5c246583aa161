package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.Map;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What browsers get: CORS for SMART apps on other origins (preflight without a token), strict
 * headers on the server's own pages, a SameSite session cookie, no X-Powered-By, and one issuer
 * whatever host a client used.
 */
@IntegrationTest
class BrowserPolicyIT {

  private static final String APP_ORIGIN = "https://app.example.org";

  @LocalServerPort int port;

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder preflight(String path, String method) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", APP_ORIGIN)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", "authorization, content-type");
  }

  @Test
  void preflightsAreAnsweredWithoutAToken() throws Exception {
    for (String[] probe :
        new String[][] {
          {"/fhir/Patient", "GET"},
          {"/fhir/metadata", "GET"},
          {"/fhir/Appointment", "POST"},
          {"/fhir/.well-known/smart-configuration", "GET"},
          {"/oauth2/token", "POST"},
          {"/oauth2/revoke", "POST"},
          {"/.well-known/openid-configuration", "GET"}
        }) {
      HttpResponse<String> response = send(preflight(probe[0], probe[1]));
      assertThat(response.statusCode()).as(probe[0]).isEqualTo(200);
      assertThat(response.headers().firstValue("Access-Control-Allow-Origin"))
          .as(probe[0])
          .isPresent();
      assertThat(response.headers().firstValue("Access-Control-Allow-Methods").orElse(""))
          .as(probe[0])
          .contains(probe[1]);
      assertThat(response.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
          .as(probe[0])
          .containsIgnoringCase("authorization");
    }
  }

  @Test
  void crossOriginResponsesCarryCorsHeaders() throws Exception {
    String token = new SmartAuth(port).clientToken("system/Patient.rs");
    HttpResponse<String> read =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/fhir/Patient?_count=1"))
                .header("Origin", APP_ORIGIN)
                .header("Authorization", "Bearer " + token));
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.headers().firstValue("Access-Control-Allow-Origin")).isPresent();
    assertThat(read.headers().firstValue("X-Powered-By")).isEmpty();

    HttpResponse<String> metadata =
        send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/metadata"))
                .header("Origin", APP_ORIGIN));
    assertThat(metadata.statusCode()).isEqualTo(200);
    assertThat(metadata.headers().firstValue("Access-Control-Allow-Origin")).isPresent();
    assertThat(metadata.headers().firstValue("X-Powered-By")).isEmpty();
    assertThat(metadata.body()).contains("\"cors\":true");

    HttpResponse<String> refused =
        send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/Patient"))
                .header("Origin", APP_ORIGIN));
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin"))
        .as("a browser app can read why it was refused")
        .isPresent();
  }

  @Test
  void theSignInPageIsLockedDown() throws Exception {
    HttpResponse<String> page =
        send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login")));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("frame-ancestors 'none'")
        .contains("default-src 'self'");
    assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(page.headers().allValues("Set-Cookie"))
        .allSatisfy(cookie -> assertThat(cookie).contains("SameSite=Lax").contains("HttpOnly"));
  }

  @Test
  void theIssuerIsThePublicUrlWhateverHostTheClientUsed() throws Exception {
    HttpResponse<String> issued =
        send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString("cli:cli-secret".getBytes()))
                .POST(
                    SmartAuth.form(
                        Map.of("grant_type", "client_credentials", "scope", "system/Patient.rs"))));
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    String token = new ObjectMapper().readTree(issued.body()).get("access_token").asText();
    JsonNode claims =
        new ObjectMapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    assertThat(claims.get("iss").asText()).isEqualTo("http://localhost:" + port);

    HttpResponse<String> read =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/fhir/Patient?_count=1"))
                .header("Authorization", "Bearer " + token));
    assertThat(read.statusCode()).as("the same server accepts its own token").isEqualTo(200);

    HttpResponse<String> discovery =
        send(
            HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/.well-known/openid-configuration")));
    assertThat(new ObjectMapper().readTree(discovery.body()).get("issuer").asText())
        .isEqualTo("http://localhost:" + port);
  }
}
