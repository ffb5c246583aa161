package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;

/**
 * SMART Backend Services: a clearinghouse that publishes its keys as a JWKS signs a client
 * assertion (private_key_jwt, RS384) and gets a token for its system/ scopes.
 */
@IntegrationTest
class BackendServicesIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired RegisteredClientRepository clients;
  @Autowired JdbcTemplate jdbc;
  HttpServer jwksServer;
  RSAKey key;
  String clientId;

  @BeforeEach
  void registerClientPublishingItsKeys() throws Exception {
    key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    jwksServer.createContext(
        "/jwks.json",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    jwksServer.start();
    clientId = "clearinghouse-" + UUID.randomUUID();
    clients.save(
        RegisteredClient.withId(clientId)
            .clientId(clientId)
            .clientName("Test clearinghouse")
            .clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
            .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
            .scope("system/Claim.rs")
            .scope("system/Patient.rs")
            .clientSettings(
                ClientSettings.builder()
                    .jwkSetUrl(
                        "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks.json")
                    .tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.RS384)
                    .build())
            .build());
  }

  @AfterEach
  void stop() {
    jwksServer.stop(0);
  }

  @Test
  void issuesATokenForASignedClientAssertionAndRefusesItsReplay() throws Exception {
    String assertion = assertion(UUID.randomUUID().toString());

    HttpResponse<String> first = token(assertion, "system/Claim.rs");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    String accessToken = new ObjectMapper().readTree(first.body()).get("access_token").asText();

    FhirHttp clearinghouse = new FhirHttp(port, fhirContext, accessToken);
    assertThat(clearinghouse.get("Claim?_count=1").status()).isEqualTo(200);
    assertThat(clearinghouse.get("Observation").status()).isEqualTo(403);
    assertThat(clearinghouse.get("Patient").status()).isEqualTo(403);

    FhirHttp.Response exportClaims =
        clearinghouse.get("$export?_type=Claim", Map.of("Prefer", "respond-async"));
    assertThat(exportClaims.status()).as(exportClaims.toString()).isEqualTo(202);
    FhirHttp.Response exportNotes =
        clearinghouse.get("$export?_type=DocumentReference", Map.of("Prefer", "respond-async"));
    assertThat(exportNotes.status()).isEqualTo(403);
    assertThat(
            clearinghouse
                .get("Claim/" + OperationNames.BILLING_PACKAGE + "?start=2020-01-01&end=2020-01-31")
                .status())
        .isEqualTo(422); // allowed, and nothing to bill then
    assertThat(
            clearinghouse.post("Claim/" + OperationNames.MARK_RECEIVED, new Parameters()).status())
        .isEqualTo(403); // marking received needs system/Claim.u

    HttpResponse<String> replay = token(assertion, "system/Claim.rs");
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(replay.body()).contains("invalid_client");
  }

  @Test
  void readsTheFilesOfItsOwnExportsAndNoOtherBinaries() throws Exception {
    HttpResponse<String> issued = token(assertion(UUID.randomUUID().toString()), "system/Claim.rs");
    FhirHttp clearinghouse =
        new FhirHttp(
            port,
            fhirContext,
            new ObjectMapper().readTree(issued.body()).get("access_token").asText());
    FhirHttp system = new FhirHttp(port, fhirContext);
    org.hl7.fhir.r4.model.Patient patient = new org.hl7.fhir.r4.model.Patient();
    patient.addName().setFamily("Exportfile");
    system.create("Claim", claim(system.create("Patient", patient)));

    String own = firstExportFile(clearinghouse, "Claim");
    FhirHttp.Response file = clearinghouse.get(own, Map.of("Accept", "application/fhir+ndjson"));
    assertThat(file.status()).as(file.toString()).isEqualTo(200);

    // Another client's export file, and an ordinary Binary: not for this client.
    String theirs = firstExportFile(system, "Claim");
    assertThat(system.get(theirs).status()).isEqualTo(200);
    FhirHttp.Response other = clearinghouse.get(theirs);
    assertThat(other.status()).isEqualTo(403);
    assertThat(other.body()).contains("another client's bulk export");
    org.hl7.fhir.r4.model.Binary plain = new org.hl7.fhir.r4.model.Binary();
    plain.setContentType("text/plain").setData("not an export".getBytes(StandardCharsets.UTF_8));
    String plainId = system.create("Binary", plain);
    assertThat(clearinghouse.get(plainId).status()).isEqualTo(403);
  }

  private static org.hl7.fhir.r4.model.Claim claim(String patient) {
    org.hl7.fhir.r4.model.Claim claim = new org.hl7.fhir.r4.model.Claim();
    claim.setStatus(org.hl7.fhir.r4.model.Claim.ClaimStatus.DRAFT);
    claim.setUse(org.hl7.fhir.r4.model.Claim.Use.CLAIM);
    claim
        .getType()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/claim-type")
        .setCode("professional");
    claim.setCreated(new Date());
    claim.getPatient().setReference(patient);
    claim.getProvider().setDisplay("Group Therapy Practice");
    claim.getPriority().addCoding().setCode("normal");
    claim.addInsurance().setSequence(1).setFocal(true).getCoverage().setDisplay("self-pay");
    return claim;
  }

  /** Kicks off a system export of one type, waits for it, and returns its first file's URL. */
  private static String firstExportFile(FhirHttp client, String type) throws Exception {
    FhirHttp.Response kickOff =
        client.get(
            "$export?_type=" + type,
            Map.of("Prefer", "respond-async", "Accept", "application/fhir+json"));
    assertThat(kickOff.status()).as(kickOff.toString()).isEqualTo(202);
    String statusUrl = kickOff.header("Content-Location").orElseThrow();
    FhirHttp.Response status =
        Waits.eventually().until(() -> client.get(statusUrl), r -> r.status() != 202);
    assertThat(status.status()).as(status.toString()).isEqualTo(200);
    var output = new ObjectMapper().readTree(status.body()).get("output");
    assertThat(output).as(status.body()).isNotEmpty();
    return output.get(0).get("url").asText();
  }

  @Test
  void refusesAScopeBeyondTheRegistrationAndAnAssertionSignedWithAnotherKey() throws Exception {
    assertThat(token(assertion(UUID.randomUUID().toString()), "system/Observation.rs").statusCode())
        .isEqualTo(400);

    RSAKey stranger = new RSAKeyGenerator(2048).keyID(key.getKeyID()).generate();
    assertThat(
            token(assertion(UUID.randomUUID().toString(), stranger), "system/Claim.rs")
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void stopsAcceptingTheTokensOfADisabledClient() throws Exception {
    HttpResponse<String> issued = token(assertion(UUID.randomUUID().toString()), "system/Claim.rs");
    String accessToken = new ObjectMapper().readTree(issued.body()).get("access_token").asText();
    FhirHttp clearinghouse = new FhirHttp(port, fhirContext, accessToken);
    assertThat(clearinghouse.get("Claim?_count=1").status()).isEqualTo(200);

    jdbc.update("INSERT INTO gt.disabled_client (client_id, reason) VALUES (?, 'test')", clientId);

    FhirHttp.Response refused =
        Waits.eventually().until(() -> clearinghouse.get("Claim?_count=1"), r -> r.status() != 200);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).contains("disabled"));

    HttpResponse<String> again = token(assertion(UUID.randomUUID().toString()), "system/Claim.rs");
    assertThat(again.statusCode()).as("a disabled client gets no new token").isEqualTo(401);
    assertThat(again.body()).contains("invalid_client").doesNotContain("access_token");
  }

  @Test
  void issuesATokenWithoutClientIdAsBackendServicesAllows() throws Exception {
    HttpResponse<String> response =
        SmartAuth.send(
            HttpClient.newHttpClient(),
            HttpRequest.newBuilder(URI.create(tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    SmartAuth.form(
                        Map.of(
                            "grant_type", "client_credentials",
                            "scope", "system/Claim.rs",
                            "client_assertion_type",
                                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                            "client_assertion", assertion(UUID.randomUUID().toString())))));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("access_token");
  }

  @Test
  void refusesAClientAssertionLivingLongerThanFiveMinutes() throws Exception {
    HttpResponse<String> response =
        token(
            assertion(UUID.randomUUID().toString(), key, Duration.ofMinutes(30)),
            "system/Claim.rs");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    assertThat(response.body()).contains("invalid_client").doesNotContain("access_token");

    HttpResponse<String> shortOne =
        token(
            assertion(UUID.randomUUID().toString(), key, Duration.ofMinutes(4)), "system/Claim.rs");
    assertThat(shortOne.statusCode()).as(shortOne.body()).isEqualTo(200);
  }

  @Test
  void acceptsAnEs384ClientAssertion() throws Exception {
    ECKey ecKey = new ECKeyGenerator(Curve.P_384).keyID(UUID.randomUUID().toString()).generate();
    HttpServer ecJwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] jwks = new JWKSet(ecKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    ecJwks.createContext(
        "/jwks.json",
        exchange -> {
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    ecJwks.start();
    try {
      String ehr = "ehr-" + UUID.randomUUID();
      clients.save(
          RegisteredClient.withId(ehr)
              .clientId(ehr)
              .clientName("Test EHR")
              .clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
              .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
              .scope("system/*.rs")
              .clientSettings(
                  ClientSettings.builder()
                      .jwkSetUrl("http://127.0.0.1:" + ecJwks.getAddress().getPort() + "/jwks.json")
                      .tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.ES384)
                      .build())
              .build());
      Instant now = Instant.now();
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.ES384).keyID(ecKey.getKeyID()).build(),
              new JWTClaimsSet.Builder()
                  .issuer(ehr)
                  .subject(ehr)
                  .audience(tokenEndpoint())
                  .jwtID(UUID.randomUUID().toString())
                  .issueTime(Date.from(now))
                  .expirationTime(Date.from(now.plusSeconds(300)))
                  .build());
      jwt.sign(new ECDSASigner(ecKey));
      String saved = clientId;
      clientId = ehr;
      HttpResponse<String> response = token(jwt.serialize(), "system/Group.rs");
      clientId = saved;
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    } finally {
      ecJwks.stop(0);
    }
  }

  private HttpResponse<String> token(String assertion, String scope) {
    return SmartAuth.send(
        HttpClient.newHttpClient(),
        HttpRequest.newBuilder(URI.create(tokenEndpoint()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                SmartAuth.form(
                    Map.of(
                        "grant_type", "client_credentials",
                        "scope", scope,
                        "client_id", clientId,
                        "client_assertion_type",
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                        "client_assertion", assertion))));
  }

  private String tokenEndpoint() {
    return "http://localhost:" + port + "/oauth2/token";
  }

  private String assertion(String jti) throws Exception {
    return assertion(jti, key);
  }

  private String assertion(String jti, RSAKey signingKey) throws Exception {
    return assertion(jti, signingKey, Duration.ofSeconds(300));
  }

  private String assertion(String jti, RSAKey signingKey, Duration lifetime) throws Exception {
    Instant now = Instant.now();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS384).keyID(signingKey.getKeyID()).build(),
            new JWTClaimsSet.Builder()
                .issuer(clientId)
                .subject(clientId)
                .audience(tokenEndpoint())
                .jwtID(jti)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .build());
    jwt.sign(new RSASSASigner(signingKey));
    return jwt.serialize();
  }
}
