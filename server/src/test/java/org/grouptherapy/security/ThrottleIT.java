package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.provisioning.UserDetailsManager;

/**
 * Password and client-secret guessing is throttled per user name, client id and address, answers
 * the same whether the name exists, and every failure is an AuditEvent an administrator reads. (The
 * test profile makes every wait ten minutes, so no test depends on the machine's speed.)
 */
@IntegrationTest
class ThrottleIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired UserDetailsService users;
  @Autowired RegisteredClientRepository clients;
  @Autowired SignInThrottle throttle;
  @Autowired AuditTrail auditTrail;
  @Autowired org.springframework.jdbc.core.JdbcTemplate jdbc;
  SmartAuth auth;

  @BeforeEach
  void setUp() {
    auth = new SmartAuth(port);
  }

  private String newUser() {
    String name = "throttled-" + UUID.randomUUID();
    ((UserDetailsManager) users)
        .createUser(
            User.withUsername(name)
                .password(
                    PasswordEncoderFactories.createDelegatingPasswordEncoder().encode("right"))
                .roles("VA")
                .build());
    return name;
  }

  private static boolean failed(HttpResponse<String> response) {
    return response.statusCode() == 302
        && response.headers().firstValue("Location").orElse("").contains("/login?error");
  }

  @Test
  void thirtyWrongPasswordsThenTheRightOneDoesNotSignIn() {
    String user = newUser();
    assertThat(failed(auth.trySignIn(user, "right"))).as("the account works").isFalse();
    for (int i = 0; i < 30; i++) {
      assertThat(failed(auth.trySignIn(user, "wrong-" + i))).isTrue();
    }
    HttpResponse<String> right = auth.trySignIn(user, "right");
    assertThat(failed(right)).as("throttled: the right password is not even checked").isTrue();

    String other = newUser();
    assertThat(failed(auth.trySignIn(other, "right")))
        .as("another user at the same address still signs in")
        .isFalse();
  }

  @Test
  void anUnknownUserGetsTheSameAnswersAsAKnownOne() {
    String known = newUser();
    String unknown = "nobody-" + UUID.randomUUID();
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> a = auth.trySignIn(known, "wrong");
      HttpResponse<String> b = auth.trySignIn(unknown, "wrong");
      assertThat(a.statusCode()).isEqualTo(b.statusCode());
      assertThat(a.headers().firstValue("Location")).isEqualTo(b.headers().firstValue("Location"));
    }
  }

  @Test
  void failedSignInsAreAuditedForAdministrators() {
    String user = newUser();
    auth.trySignIn(user, "wrong");
    auditTrail.flush();
    FhirHttp admin =
        new FhirHttp(port, fhirContext, auth.userToken("admin", "openid fhirUser user/*.rs"));
    Bundle trail =
        admin.get("AuditEvent?subtype=sign-in-failure&agent=" + user).resource(Bundle.class);
    assertThat(trail.getEntry()).hasSize(1);
    AuditEvent event = (AuditEvent) trail.getEntryFirstRep().getResource();
    assertThat(event.getOutcome().toCode()).isEqualTo("4");
    assertThat(event.getType().getCode()).isEqualTo("110114");
    assertThat(event.getAgentFirstRep().getNetwork().getAddress()).isNotBlank();
    assertThat(event.getAgentFirstRep().getWho().getIdentifier().getValue()).isEqualTo(user);

    FhirHttp va =
        new FhirHttp(port, fhirContext, auth.userToken("va", "openid fhirUser user/*.rs"));
    assertThat(va.get("AuditEvent?subtype=sign-in-failure").status()).isEqualTo(403);
  }

  @Test
  void guessingAClientSecretIsThrottledAndAudited() {
    String clientId = "secret-client-" + UUID.randomUUID();
    clients.save(
        RegisteredClient.withId(clientId)
            .clientId(clientId)
            .clientSecret(
                PasswordEncoderFactories.createDelegatingPasswordEncoder().encode("the-secret"))
            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
            .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
            .scope("system/Patient.rs")
            .build());
    Map<String, String> grant =
        Map.of("grant_type", "client_credentials", "scope", "system/Patient.rs");
    assertThat(auth.tokenResponse(clientId, "the-secret", grant).statusCode()).isEqualTo(200);
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> wrong = auth.tokenResponse(clientId, "guess-" + i, grant);
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.body()).contains("invalid_client");
    }
    HttpResponse<String> right = auth.tokenResponse(clientId, "the-secret", grant);
    assertThat(right.statusCode()).as("throttled: " + right.body()).isEqualTo(401);
    assertThat(right.body()).contains("invalid_client").doesNotContain("access_token");

    auditTrail.flush();
    FhirHttp admin =
        new FhirHttp(port, fhirContext, auth.userToken("admin", "openid fhirUser user/*.rs"));
    Bundle trail =
        admin
            .get("AuditEvent?subtype=client-authentication-failure&agent=" + clientId)
            .resource(Bundle.class);
    assertThat(trail.getEntry()).hasSizeGreaterThanOrEqualTo(10);
  }

  @Test
  void anAddressFailingTooOftenWaitsWhateverNameItTries() {
    // The test profile allows an address very many failures (the suite shares 127.0.0.1), so the
    // address rule is driven here through the throttle itself, on the real database.
    SignInThrottle.Key address =
        SignInThrottle.Key.address("192.0.2." + (1 + (int) (Math.random() * 250)));
    SignInThrottle.Key someone = SignInThrottle.Key.user("someone-" + UUID.randomUUID());
    assertThat(throttle.allows(List.of(someone, address))).isTrue();
    jdbc.update(
        "INSERT INTO gt.sign_in_throttle (key, failures, first_failure_at, not_before)"
            + " VALUES (?, 100000, now(), now())",
        address.value());
    throttle.failed(List.of(address));
    assertThat(throttle.allows(List.of(someone, address))).isFalse();
    assertThat(throttle.allows(List.of(someone))).isTrue();
  }
}
