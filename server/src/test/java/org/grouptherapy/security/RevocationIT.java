package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Instant;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.grouptherapy.system.Hashes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Revocation bites at /fhir: a revoked access token, every access token of an authorization revoked
 * because a rotated-away refresh token came back (or whose refresh token the app revoked), and a
 * revocation recorded by another instance.
 */
@IntegrationTest
class RevocationIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired JdbcTemplate jdbc;
  SmartAuth auth;

  @BeforeEach
  void setUp() {
    auth = new SmartAuth(port);
  }

  private FhirHttp with(String token) {
    return new FhirHttp(port, fhirContext, token);
  }

  private static void assertRevoked(FhirHttp.Response response) {
    assertThat(response.status()).as(response.toString()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).contains("invalid_token").contains("revoked"));
  }

  @Test
  void aRevokedAccessTokenIsRefusedAtOnce() {
    String token =
        auth.clientCredentials("cli", "cli-secret", "system/Patient.rs")
            .get("access_token")
            .asText();
    FhirHttp client = with(token);
    assertThat(client.get("Patient?_count=1").status()).isEqualTo(200);

    HttpResponse<String> revoked = auth.revokeResponse("cli", "cli-secret", token);
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);

    assertRevoked(client.get("Patient?_count=1"));
  }

  @Test
  void aReplayedRefreshTokenRevokesEveryAccessTokenOfTheSignIn() {
    JsonNode first = auth.launch("va", "demo", "openid fhirUser offline_access user/Group.rs");
    FhirHttp before = with(first.get("access_token").asText());
    JsonNode refreshed = auth.refresh("va-app", null, first.get("refresh_token").asText());
    FhirHttp after = with(refreshed.get("access_token").asText());
    assertThat(before.get("Group?_count=1").status()).isEqualTo(200);
    assertThat(after.get("Group?_count=1").status()).isEqualTo(200);

    HttpResponse<String> replay =
        auth.refreshResponse("va-app", null, first.get("refresh_token").asText());
    assertThat(replay.statusCode()).isEqualTo(400);

    assertRevoked(after.get("Group?_count=1"));
    assertRevoked(before.get("Group?_count=1"));
  }

  @Test
  void revokingTheRefreshTokenEndsItsAccessTokensToo() {
    JsonNode signIn = auth.launch("va", "demo", "openid offline_access user/Group.rs");
    FhirHttp app = with(signIn.get("access_token").asText());
    assertThat(app.get("Group?_count=1").status()).isEqualTo(200);

    HttpResponse<String> revoked =
        auth.revokeResponse("va-app", signIn.get("refresh_token").asText());
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);

    assertRevoked(app.get("Group?_count=1"));
  }

  @Test
  void aRevocationRecordedByAnotherInstanceIsEnforcedHere() {
    String token =
        auth.clientCredentials("cli", "cli-secret", "system/Patient.rs")
            .get("access_token")
            .asText();
    FhirHttp client = with(token);
    assertThat(client.get("Patient?_count=1").status()).isEqualTo(200);

    // What another instance's revocation endpoint writes.
    jdbc.update(
        "INSERT INTO gt.revoked_token (revoked, expires_at) VALUES (?, ?)",
        "token:" + Hashes.sha256Hex(token),
        Timestamp.from(Instant.now().plusSeconds(600)));

    FhirHttp.Response refused =
        Waits.eventually().until(() -> client.get("Patient?_count=1"), r -> r.status() != 200);
    assertRevoked(refused);
  }
}
