package org.grouptherapy.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The embedded authorization server's token signing keys, kept in {@code gt.signing_key} so that
 * every instance signs with and publishes the same keys and tokens survive restarts. The first
 * start generates an RSA key.
 */
class SigningKeys implements JWKSource<SecurityContext> {

  private final JdbcTemplate jdbc;
  private volatile JWKSet keys;

  SigningKeys(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) {
    return selector.select(keys());
  }

  JWKSet keys() {
    JWKSet loaded = keys;
    if (loaded == null) {
      synchronized (this) {
        if (keys == null) {
          keys = loadOrCreate();
        }
        loaded = keys;
      }
    }
    return loaded;
  }

  private JWKSet loadOrCreate() {
    List<JWK> stored = load();
    if (stored.isEmpty()) {
      try {
        RSAKey key =
            new RSAKeyGenerator(2048)
                .keyUse(KeyUse.SIGNATURE)
                .keyID(UUID.randomUUID().toString())
                .generate();
        jdbc.update(
            "INSERT INTO gt.signing_key (kid, jwk) VALUES (?, ?)",
            key.getKeyID(),
            key.toJSONString());
      } catch (JOSEException e) {
        throw new IllegalStateException("Could not generate a signing key", e);
      }
      stored = load();
    }
    return new JWKSet(stored);
  }

  private List<JWK> load() {
    List<JWK> result = new ArrayList<>();
    for (String json :
        jdbc.queryForList(
            "SELECT jwk FROM gt.signing_key WHERE active ORDER BY created_at DESC", String.class)) {
      try {
        result.add(JWK.parse(json));
      } catch (ParseException e) {
        throw new IllegalStateException("A stored signing key is not a valid JWK", e);
      }
    }
    return result;
  }
}
