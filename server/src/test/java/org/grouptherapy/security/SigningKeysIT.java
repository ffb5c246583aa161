package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configuration.OAuth2AuthorizationServerConfiguration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Signing keys shared by instances: one first key however many instances ask at once, exactly one
 * signing key even where a database holds two, a rotated key published before it signs and the old
 * one kept until its tokens expire. Instances are separate {@link SigningKeys} on a table of their
 * own (the live keys of the running server are left alone), with a clock the test moves.
 */
@IntegrationTest
class SigningKeysIT {

  static final Duration LIFETIME = Duration.ofMinutes(31);

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired PlatformTransactionManager transactions;
  @Autowired ca.uhn.fhir.context.FhirContext fhirContext;

  String table;
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-01-01T12:00:00Z"));
  final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };

  @BeforeEach
  void table() {
    table = "gt.signing_key_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    jdbc.execute("CREATE TABLE " + table + " (LIKE gt.signing_key INCLUDING ALL)");
  }

  @AfterEach
  void drop() {
    jdbc.execute("DROP TABLE " + table);
  }

  SigningKeys instance() {
    return new SigningKeys(jdbc, transactions, clock, LIFETIME, table);
  }

  @Test
  void instancesAskingForTheirFirstKeyAtOnceCreateOneKey() throws Exception {
    int instances = 4;
    CyclicBarrier together = new CyclicBarrier(instances);
    ExecutorService pool = Executors.newFixedThreadPool(instances);
    try {
      List<Future<String>> signers = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        SigningKeys keys = instance();
        Callable<String> firstToken =
            () -> {
              together.await();
              return sign(keys, "first").getHeaders().get("kid").toString();
            };
        signers.add(pool.submit(firstToken));
      }
      Set<String> kids = new java.util.HashSet<>();
      for (Future<String> signer : signers) {
        kids.add(signer.get());
      }
      assertThat(kids).hasSize(1);
      assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table, Integer.class)).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aDatabaseWithTwoActiveKeysStillSignsWithOneAndVerifiesBoth() throws Exception {
    SigningKeys first = instance();
    Jwt before = sign(first, "before");
    // What two instances racing on an older server left behind: a second active key.
    SigningKeys other = instance();
    jdbc.update("UPDATE " + table + " SET signs_from = signs_from - interval '1 hour'");
    now.set(now.get().plusSeconds(1));
    other.rotate();
    now.set(now.get().plus(SigningKeys.PUBLISH_AHEAD));

    SigningKeys restarted = instance();
    assertThat(restarted.keys().getKeys()).hasSize(2);
    Jwt after = sign(restarted, "after");
    assertThat(after.getHeaders().get("kid")).isNotEqualTo(before.getHeaders().get("kid"));
    org.springframework.security.oauth2.jwt.JwtDecoder decoder =
        OAuth2AuthorizationServerConfiguration.jwtDecoder(restarted);
    assertThat(decoder.decode(before.getTokenValue()).getSubject()).isEqualTo("before");
    assertThat(decoder.decode(after.getTokenValue()).getSubject()).isEqualTo("after");
  }

  @Test
  void aRotatedKeyIsPublishedBeforeItSignsAndTheOldOneUntilItsTokensExpire() throws Exception {
    SigningKeys a = instance();
    SigningKeys b = instance();
    Jwt old = sign(a, "old");
    String oldKid = old.getHeaders().get("kid").toString();
    b.keys();

    SigningKeys.StoredKey added = a.rotate();
    String newKid = added.jwk().getKeyID();
    assertThat(sign(a, "still old").getHeaders().get("kid")).isEqualTo(oldKid);
    assertThat(kids(a)).containsExactlyInAnyOrder(oldKid, newKid);

    now.set(added.signsFrom().plusSeconds(1));
    Jwt fresh = sign(a, "new");
    assertThat(fresh.getHeaders().get("kid")).isEqualTo(newKid);
    // b has not reloaded on its own yet, but verifies a token of the key it has not seen.
    assertThat(
            OAuth2AuthorizationServerConfiguration.jwtDecoder(b)
                .decode(fresh.getTokenValue())
                .getSubject())
        .isEqualTo("new");
    assertThat(
            OAuth2AuthorizationServerConfiguration.jwtDecoder(b)
                .decode(old.getTokenValue())
                .getSubject())
        .isEqualTo("old");
    assertThat(sign(b, "b signs").getHeaders().get("kid")).isEqualTo(newKid);

    now.set(added.signsFrom().plus(LIFETIME).plusSeconds(1));
    assertThat(kids(instance())).containsExactly(newKid);
  }

  @Test
  void rotationIsAnOperationForAdministratorsOnly() {
    SmartAuth auth = new SmartAuth(port);
    String va = auth.userToken("va", "openid user/*.cruds");
    FhirHttp asVa = new FhirHttp(port, fhirContext, va);
    assertThat(asVa.post("$rotate-signing-key", new Parameters()).status()).isEqualTo(403);

    String admin = auth.userToken("admin", "openid user/*.cruds");
    FhirHttp asAdmin = new FhirHttp(port, fhirContext, admin);
    FhirHttp.Response rotated = asAdmin.post("$rotate-signing-key", new Parameters());
    assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
    Parameters out = rotated.resource(Parameters.class);
    String kid = out.getParameter("kid").getValue().primitiveValue();
    assertThat(out.getParameter())
        .filteredOn(p -> p.getName().equals("published"))
        .extracting(p -> p.getValue().primitiveValue())
        .contains(kid)
        .hasSizeGreaterThanOrEqualTo(2);
    // Tokens issued before keep working; the new key signs five minutes from now.
    assertThat(asVa.get("Group?_count=1").status()).isEqualTo(200);
    assertThat(asAdmin.get("Group?_count=1").status()).isEqualTo(200);
  }

  @Test
  void rotationRefusesParametersItDoesNotTakeAndTwoRotationsAtOnceLeaveOneSigningKey()
      throws Exception {
    String admin = new SmartAuth(port).userToken("admin", "openid user/*.cruds");
    FhirHttp asAdmin = new FhirHttp(port, fhirContext, admin);
    Parameters unknown = new Parameters();
    unknown.addParameter().setName("algorithm").setValue(new StringType("HS256"));
    FhirHttp.Response refused = asAdmin.post("$rotate-signing-key", unknown);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.diagnostics()).contains("algorithm").contains("takes no parameters");

    SigningKeys a = instance();
    SigningKeys b = instance();
    sign(a, "before");
    CyclicBarrier together = new CyclicBarrier(2);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    List<java.util.concurrent.Future<SigningKeys.StoredKey>> rotations =
        new java.util.ArrayList<>();
    for (SigningKeys keys : List.of(a, b)) {
      rotations.add(
          pool.submit(
              () -> {
                together.await();
                return keys.rotate();
              }));
    }
    List<SigningKeys.StoredKey> added = new java.util.ArrayList<>();
    for (var rotation : rotations) {
      added.add(rotation.get());
    }
    pool.shutdown();
    java.time.Instant later =
        added.stream()
            .map(SigningKeys.StoredKey::signsFrom)
            .max(java.time.Instant::compareTo)
            .orElseThrow();
    now.set(later.plusSeconds(1));
    // Both new keys are published; exactly one of them signs, the same on both instances.
    Object kidA = sign(a, "after a").getHeaders().get("kid");
    Object kidB = sign(b, "after b").getHeaders().get("kid");
    assertThat(kidA).isEqualTo(kidB);
    assertThat(added.stream().map(k -> k.jwk().getKeyID())).contains(kidA.toString());
    assertThat(kids(a)).containsAll(added.stream().map(k -> k.jwk().getKeyID()).toList());
  }

  private static List<String> kids(SigningKeys keys) {
    return keys.keys().getKeys().stream().map(JWK::getKeyID).toList();
  }

  private Jwt sign(SigningKeys keys, String subject) throws com.nimbusds.jose.KeySourceException {
    JWKSelector any =
        new JWKSelector(
            JWKMatcher.forJWSHeader(new com.nimbusds.jose.JWSHeader(JWSAlgorithm.RS256)));
    assertThat(keys.signer().get(any, null)).hasSize(1);
    JwtClaimsSet claims =
        JwtClaimsSet.builder()
            .subject(subject)
            .issuedAt(now.get())
            .expiresAt(now.get().plus(Duration.ofMinutes(15)))
            .build();
    return new NimbusJwtEncoder(keys.signer())
        .encode(
            JwtEncoderParameters.from(JwsHeader.with(SignatureAlgorithm.RS256).build(), claims));
  }
}
