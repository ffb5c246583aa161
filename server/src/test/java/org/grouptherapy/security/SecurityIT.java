package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/** Tokens, scopes, roles and discovery, against the running server with real clients. */
@IntegrationTest
class SecurityIT {

  static final String DEMO_IDS = "http://grouptherapy.example.org/identifiers";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired JWKSource<SecurityContext> serverKeys;
  @Autowired AuditTrail auditTrail;
  SmartAuth auth;
  FhirHttp anonymous;

  @BeforeEach
  void setUp() {
    auth = new SmartAuth(port);
    anonymous = new FhirHttp(port, fhirContext, null);
  }

  @Test
  void servesMetadataAndSmartConfigurationWithoutAToken() throws Exception {
    assertThat(anonymous.get("metadata").status()).isEqualTo(200);
    FhirHttp.Response discovery = anonymous.get(".well-known/smart-configuration");
    assertThat(discovery.status()).isEqualTo(200);
    JsonNode smart = new ObjectMapper().readTree(discovery.body());
    assertThat(smart.get("issuer").asText()).isEqualTo("http://localhost:" + port);
    assertThat(smart.get("token_endpoint").asText()).endsWith("/oauth2/token");
    assertThat(smart.get("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
    assertThat(smart.get("token_endpoint_auth_methods_supported").toString())
        .contains("private_key_jwt");
    assertThat(smart.get("capabilities").toString())
        .contains(
            "launch-standalone",
            "client-public",
            "client-confidential-asymmetric",
            "context-standalone-patient",
            "permission-v1",
            "permission-v2",
            "permission-user",
            "permission-patient",
            "sso-openid-connect");
    assertThat(anonymous.get("metadata").body()).contains("SMART-on-FHIR").contains("oauth-uris");
  }

  @Test
  void refusesARequestWithoutATokenWith401AndWwwAuthenticate() {
    FhirHttp.Response response = anonymous.get("Patient");
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(response.diagnostics()).contains("Authentication required");
  }

  @Test
  void refusesExpiredTamperedForeignIssuerAndWrongAudienceTokens() {
    String fhirBase = "http://localhost:" + port + "/fhir";
    String issuer = "http://localhost:" + port;
    Instant now = Instant.now();
    String expired = sign(issuer, fhirBase, now.minusSeconds(3600), now.minusSeconds(60));
    String wrongIssuer = sign("https://evil.example.org", fhirBase, now, now.plusSeconds(300));
    String wrongAudience =
        sign(issuer, "https://other.example.org/fhir", now, now.plusSeconds(300));
    String valid = sign(issuer, fhirBase, now, now.plusSeconds(300));
    String[] parts = valid.split("\\.");
    String tampered =
        parts[0]
            + "."
            + java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    new String(java.util.Base64.getUrlDecoder().decode(parts[1]))
                        .replace("system/Patient.rs", "system/*.cruds")
                        .getBytes())
            + "."
            + parts[2];

    assertThat(anonymous.withToken(valid).get("Patient?_count=1").status()).isEqualTo(200);
    for (String bad : List.of(expired, wrongIssuer, wrongAudience, tampered, "not-a-jwt")) {
      FhirHttp.Response response = anonymous.withToken(bad).get("Patient?_count=1");
      assertThat(response.status()).as(bad).isEqualTo(401);
      assertThat(response.header("WWW-Authenticate"))
          .hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
    }
  }

  @Test
  void refusesATokenOnceItExpiresEvenAfterItWasAccepted() throws Exception {
    String fhirBase = "http://localhost:" + port + "/fhir";
    Instant now = Instant.now();
    Instant expires = now.plusSeconds(2);
    FhirHttp client = anonymous.withToken(sign("http://localhost:" + port, fhirBase, now, expires));
    assertThat(client.get("Patient?_count=1").status()).isEqualTo(200);

    FhirHttp.Response refused =
        Waits.eventually().until(() -> client.get("Patient?_count=1"), r -> r.status() != 200);
    // exp is in whole seconds
    assertThat(Instant.now())
        .as("refused only once it expired")
        .isAfterOrEqualTo(expires.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).contains("invalid_token").contains("expired"));
  }

  @Test
  void givesNoGraceBeyondExpiry() {
    String fhirBase = "http://localhost:" + port + "/fhir";
    Instant now = Instant.now();
    FhirHttp client =
        anonymous.withToken(
            sign("http://localhost:" + port, fhirBase, now.minusSeconds(300), now.minusSeconds(5)));
    FhirHttp.Response refused = client.get("Patient?_count=1");
    assertThat(refused.status()).as("expired five seconds ago: no 60-second grace").isEqualTo(401);
  }

  @Test
  void refusesControlCharactersInHeadersWith400() throws Exception {
    String token = auth.clientToken("system/Patient.rs");
    assertThat(rawGet("Authorization: Bearer " + token)).startsWith("HTTP/1.1 200");
    // C1 control character NEL (0x85) in a header value; Tomcat passes it on as obs-text.
    assertThat(rawGet("Authorization: Bearer " + token + "\r\nX-Note: a\u0085b"))
        .startsWith("HTTP/1.1 400");
    assertThat(rawGet("Authorization: Bearer " + token.substring(0, 20) + "\u0085"))
        .startsWith("HTTP/1.1 400");
  }

  /** A GET of /fhir/Patient with the given header lines, written byte for byte (ISO-8859-1). */
  private String rawGet(String headers) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
      String request =
          "GET /fhir/Patient?_count=1 HTTP/1.1\r\nHost: localhost\r\n"
              + headers
              + "\r\nConnection: close\r\n\r\n";
      socket
          .getOutputStream()
          .write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return new String(
          socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void refusesWhatTheScopesDoNotAllowWith403AndAnOperationOutcome() {
    FhirHttp readOnly = anonymous.withToken(auth.clientToken("system/Patient.rs"));
    assertThat(readOnly.get("Patient?_count=1").status()).isEqualTo(200);

    FhirHttp.Response write = readOnly.post("Patient", Fixtures.patient("NoWrite"));
    assertThat(write.status()).isEqualTo(403);
    assertThat(write.diagnostics()).contains("does not allow create on Patient");

    FhirHttp.Response otherType = readOnly.get("Group");
    assertThat(otherType.status()).isEqualTo(403);

    FhirHttp readNoSearch = anonymous.withToken(auth.clientToken("system/Patient.r"));
    assertThat(readNoSearch.get("Patient").status()).isEqualTo(403);
  }

  @Test
  void refusesAScopeTheClientIsNotRegisteredFor() {
    HttpResponse<String> response =
        auth.tokenResponse(
            "cli",
            "cli-secret",
            Map.of("grant_type", "client_credentials", "scope", "user/*.cruds"));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("invalid_scope");
  }

  @Test
  void understandsV1ScopesAndV2QueryNarrowing() {
    FhirHttp v1 = anonymous.withToken(auth.userToken("va", "openid user/Group.read"));
    assertThat(v1.get("Group?_count=1").status()).isEqualTo(200);
    assertThat(v1.post("Group", Fixtures.therapyGroup("V1", "Organization/x")).status())
        .isEqualTo(403);

    FhirHttp narrowed = anonymous.withToken(auth.clientToken("system/Patient.rs?gender=female"));
    FhirHttp.Response women = narrowed.get("Patient?gender=female&_count=5");
    assertThat(women.status()).as(women.toString()).isEqualTo(200);
    assertThat(women.resource(Bundle.class).getEntry())
        .allSatisfy(
            e -> assertThat(((Patient) e.getResource()).getGender().toCode()).isEqualTo("female"));
    FhirHttp.Response men = narrowed.get("Patient?gender=male&_count=5");
    assertThat(
            men.status() == 403
                || men.resource(Bundle.class).getEntry().stream()
                    .allMatch(
                        e -> ((Patient) e.getResource()).getGender().toCode().equals("female")))
        .as(men.toString())
        .isTrue();
  }

  @Test
  void letsATherapistSeeClinicalDataOfTheirOwnMembersOnly() {
    FhirHttp system = new FhirHttp(port, fhirContext);
    // therapist1 (Okafor) facilitates the DBT group; the grief group is Chen's.
    String member = memberOf(system, "group-dbt-monday");
    String stranger = memberOf(system, "group-grief-support");
    system.create("Observation", observation(member));
    system.create("Observation", observation(stranger));

    FhirHttp therapist =
        anonymous.withToken(auth.userToken("therapist1", "openid fhirUser user/*.rs"));
    FhirHttp.Response own = therapist.get("Observation?patient=" + member);
    assertThat(own.status()).as(own.toString()).isEqualTo(200);
    assertThat(own.resource(Bundle.class).getEntry()).isNotEmpty();
    assertThat(therapist.get("Observation?patient=" + stranger).status()).isEqualTo(403);
    assertThat(therapist.get("Group?_count=10").status()).isEqualTo(200);
  }

  private static String memberOf(FhirHttp system, String groupIdentifier) {
    Group group =
        (Group)
            system
                .get("Group?identifier=" + DEMO_IDS + "/group|" + groupIdentifier)
                .resource(Bundle.class)
                .getEntryFirstRep()
                .getResource();
    return group.getMemberFirstRep().getEntity().getReference();
  }

  private static org.hl7.fhir.r4.model.Observation observation(String patient) {
    org.hl7.fhir.r4.model.Observation observation = new org.hl7.fhir.r4.model.Observation();
    observation.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
    observation.getCode().addCoding().setSystem("http://loinc.org").setCode("44261-6");
    observation.setSubject(new org.hl7.fhir.r4.model.Reference(patient));
    observation.setValue(new org.hl7.fhir.r4.model.Quantity(9));
    return observation;
  }

  @Test
  void limitsUserScopesByRole() {
    FhirHttp biller = anonymous.withToken(auth.userToken("biller", "openid fhirUser user/*.cruds"));
    assertThat(biller.get("Coverage?_count=1").status()).isEqualTo(200);
    assertThat(biller.get("DocumentReference").status()).isEqualTo(403);
    assertThat(biller.get("QuestionnaireResponse").status()).isEqualTo(403);

    FhirHttp va = anonymous.withToken(auth.userToken("va", "openid user/*.cruds"));
    assertThat(va.get("Appointment?_count=1").status()).isEqualTo(200);
    assertThat(va.get("QuestionnaireResponse").status()).isEqualTo(403);
    assertThat(va.get("Observation").status()).isEqualTo(403);

    assertThat(va.get("AuditEvent").status()).isEqualTo(403);
    assertThat(anonymous.withToken(auth.clientToken("system/*.cruds")).get("AuditEvent").status())
        .isEqualTo(403);
  }

  @Test
  void keepsAPatientInTheirOwnCompartmentAndHidesOtherGroupMembers() {
    JsonNode token = auth.launch("patient1", "demo", "openid fhirUser launch/patient patient/*.rs");
    String self = token.get("patient").asText();
    FhirHttp patient = anonymous.withToken(token.get("access_token").asText());
    FhirHttp admin = new FhirHttp(port, fhirContext);
    Bundle others =
        admin.get("Patient?identifier=" + DEMO_IDS + "/patient|&_count=3").resource(Bundle.class);
    String other =
        others.getEntry().stream()
            .map(e -> e.getResource().getIdElement().getIdPart())
            .filter(id -> !id.equals(self))
            .findFirst()
            .orElseThrow();

    assertThat(patient.get("Patient/" + self).status()).isEqualTo(200);
    assertThat(patient.get("Patient/" + other).status()).isEqualTo(403);
    assertThat(patient.get("Appointment?patient=" + other).status()).isEqualTo(403);
    assertThat(patient.get("Appointment?patient.name=Alvarez").status()).isEqualTo(403);
    assertThat(
            patient
                .get(
                    "Coverage?patient="
                        + self
                        + "&_include=Coverage:payor&_include=Coverage:beneficiary")
                .status())
        .isIn(200, 403);

    Bundle groups = patient.get("Group?member=Patient/" + self).resource(Bundle.class);
    assertThat(groups.getEntry()).isNotEmpty();
    for (Bundle.BundleEntryComponent entry : groups.getEntry()) {
      Group group = (Group) entry.getResource();
      assertThat(group.getMember())
          .allSatisfy(m -> assertThat(m.getEntity().getReference()).isEqualTo("Patient/" + self));
      assertThat(group.hasQuantity()).isFalse();
    }
    Bundle sessions = patient.get("Appointment?patient=" + self).resource(Bundle.class);
    assertThat(sessions.getEntry()).isNotEmpty();
    sessions
        .getEntry()
        .forEach(
            e ->
                assertThat(((org.hl7.fhir.r4.model.Appointment) e.getResource()).getParticipant())
                    .noneSatisfy(
                        p ->
                            assertThat(p.getActor().getReference())
                                .startsWith("Patient/")
                                .isNotEqualTo("Patient/" + self)));

    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Patient foreign = new Patient();
    foreign.setId(other);
    transaction
        .addEntry()
        .setResource(foreign)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Patient/" + other);
    assertThat(patient.post("", transaction).status()).isEqualTo(403);

    assertThat(patient.get("$export?_type=Patient", Map.of("Prefer", "respond-async")).status())
        .isEqualTo(403);
  }

  @Test
  void completesTheStandaloneLaunchAndReadsWithTheToken() {
    JsonNode token =
        auth.launch(
            "va", "demo", "openid fhirUser offline_access user/Group.rs user/Appointment.rs");
    assertThat(token.get("token_type").asText()).isEqualTo("Bearer");
    assertThat(token.get("scope").asText()).contains("user/Group.rs");
    assertThat(token.has("id_token")).isTrue();
    FhirHttp va = anonymous.withToken(token.get("access_token").asText());
    assertThat(va.get("Group?_count=5").resource(Bundle.class).getEntry()).isNotEmpty();
    assertThat(va.get("Patient?_count=1").status()).isEqualTo(403);
  }

  @Test
  void givesAConfidentialAppARefreshTokenForOfflineAccess() {
    JsonNode token =
        auth.launch(
            "va-app-server",
            "va-app-server-secret",
            "va",
            "demo",
            "openid offline_access user/Group.rs");
    assertThat(token.has("refresh_token")).isTrue();

    JsonNode refreshed =
        auth.refresh("va-app-server", "va-app-server-secret", token.get("refresh_token").asText());
    assertThat(refreshed.get("access_token").asText())
        .isNotEqualTo(token.get("access_token").asText());
    FhirHttp va = anonymous.withToken(refreshed.get("access_token").asText());
    assertThat(va.get("Group?_count=1").status()).isEqualTo(200);
  }

  @Test
  void givesThePublicAppSingleUseRefreshTokensAndRevokesTheSessionWhenOneIsReplayed() {
    JsonNode token = auth.launch("va", "demo", "openid fhirUser offline_access user/Group.rs");
    assertThat(token.has("refresh_token")).as("offline_access gives a refresh token").isTrue();
    String first = token.get("refresh_token").asText();

    // The public app names itself with client_id; the refresh token is its credential.
    JsonNode refreshed = auth.refresh("va-app", null, first);
    String second = refreshed.get("refresh_token").asText();
    assertThat(second).as("rotated on use").isNotEqualTo(first);
    FhirHttp va = anonymous.withToken(refreshed.get("access_token").asText());
    assertThat(va.get("Group?_count=1").status()).isEqualTo(200);

    // The first token again: somebody kept a copy. Refused, and the whole session revoked, so the
    // newest token no longer works either.
    HttpResponse<String> replay = auth.refreshResponse("va-app", null, first);
    assertThat(replay.statusCode()).isEqualTo(400);
    assertThat(replay.body()).contains("invalid_grant");
    assertThat(auth.refreshResponse("va-app", null, second).statusCode()).isEqualTo(400);

    // Signing out: the public app revokes its refresh token with its client_id alone.
    String third =
        auth.launch("va", "demo", "openid offline_access user/Group.rs")
            .get("refresh_token")
            .asText();
    HttpResponse<String> revoked = auth.revokeResponse("va-app", third);
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
    assertThat(auth.refreshResponse("va-app", null, third).statusCode()).isEqualTo(400);
  }

  @Test
  void givesNoRefreshTokenWithoutOfflineAccessAndNoSecretlessRefreshToConfidentialApps() {
    JsonNode online = auth.launch("va", "demo", "openid fhirUser user/Group.rs");
    assertThat(online.has("refresh_token")).isFalse();

    JsonNode confidential =
        auth.launch("va-app-server", "va-app-server-secret", "va", "demo", "openid offline_access");
    HttpResponse<String> withoutSecret =
        auth.refreshResponse("va-app-server", null, confidential.get("refresh_token").asText());
    assertThat(withoutSecret.statusCode()).isEqualTo(401);
    assertThat(withoutSecret.body()).contains("invalid_client");
  }

  @Test
  void refusesAnAuthorizationRequestWithoutPkce() {
    HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> response =
        auth.get(
            browser,
            "http://localhost:"
                + port
                + "/oauth2/authorize?"
                + SmartAuth.query(
                    Map.of(
                        "response_type", "code",
                        "client_id", "va-app",
                        "redirect_uri", SmartAuth.REDIRECT,
                        "scope", "openid user/Group.rs",
                        "state", "s1")));
    String location = response.headers().firstValue("Location").orElse("");
    assertThat(response.statusCode() == 400 || location.contains("error=invalid_request"))
        .as(response.statusCode() + " " + location + " " + response.body())
        .isTrue();
    assertThat(location).doesNotContain("code=");
  }

  @Test
  void auditsReadsWritesAndDenialsForAdministratorsOnly() {
    FhirHttp system = new FhirHttp(port, fhirContext);
    String id = system.create("Patient", Fixtures.patient("Audited"));
    system.get(id);
    anonymous.get("Patient");
    auditTrail.flush();

    FhirHttp admin = anonymous.withToken(auth.userToken("admin", "openid user/*.cruds"));
    Bundle events = admin.get("AuditEvent?_count=200&_sort=-date").resource(Bundle.class);
    List<AuditEvent> audit =
        events.getEntry().stream().map(e -> (AuditEvent) e.getResource()).toList();
    assertThat(audit)
        .anySatisfy(
            e -> {
              assertThat(e.getSubtypeFirstRep().getCode()).isEqualTo("read");
              assertThat(e.getEntityFirstRep().getWhat().getReference()).isEqualTo(id);
              assertThat(e.getAgentFirstRep().getAltId()).isEqualTo("cli");
              assertThat(e.getAgentFirstRep().getNetwork().getAddress()).isNotBlank();
            })
        .anySatisfy(e -> assertThat(e.getSubtypeFirstRep().getCode()).isEqualTo("create"))
        .anySatisfy(
            e -> {
              assertThat(e.getSubtypeFirstRep().getCode()).isEqualTo("access-denied");
              assertThat(e.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
            });
  }

  private String sign(String issuer, String audience, Instant issued, Instant expires) {
    JwtClaimsSet claims =
        JwtClaimsSet.builder()
            .issuer(issuer)
            .subject("cli")
            .audience(List.of(audience))
            .issuedAt(issued)
            .expiresAt(expires)
            .claim("scope", "system/Patient.rs")
            .claim("client_id", "cli")
            .build();
    return new NimbusJwtEncoder(serverKeys)
        .encode(JwtEncoderParameters.from(claims))
        .getTokenValue();
  }
}
