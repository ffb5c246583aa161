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
import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The embedded authorization server's token signing keys, kept in {@code gt.signing_key} so that
 * every instance signs with and publishes the same keys and tokens survive restarts.
 *
 * <p>Exactly one key signs at a time: the newest whose {@code signs_from} has passed (ties to the
 * key id), so two keys can never make signing ambiguous. Every instance publishes, and verifies
 * with, every key that is about to sign, signs, or signed tokens that may still be valid (until the
 * token lifetime after a newer key took over). The first key is created under a PostgreSQL advisory
 * lock, so instances starting together create one. {@link #rotate} adds a key that signs only after
 * {@link #PUBLISH_AHEAD}, so every instance and relying party has published and fetched it first.
 * The set is reloaded every {@link #RELOAD} and at once when a token names a key id this instance
 * has not seen.
 */
class SigningKeys implements JWKSource<SecurityContext> {

  static final Duration RELOAD = Duration.ofMinutes(1);
  static final Duration PUBLISH_AHEAD = Duration.ofMinutes(5);
  private static final Duration UNKNOWN_KID_RELOAD = Duration.ofSeconds(5);
  private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(?, 7))";

  /** A stored key and the moment it starts signing. */
  record StoredKey(JWK jwk, Instant signsFrom) {}

  /** What this instance knows: the keys it publishes, the one it signs with, when it read them. */
  private record Loaded(List<StoredKey> stored, JWKSet published, JWK signing, Instant at) {}

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final Duration keptAfterSuperseded;
  private final String table;
  private volatile Loaded loaded;
  private volatile Instant lastUnknownKidReload = Instant.EPOCH;

  /**
   * @param tokenLifetime the longest any token signed by a key stays valid (access and ID tokens,
   *     with clock skew): how long a superseded key is still published
   */
  SigningKeys(
      JdbcTemplate jdbc,
      PlatformTransactionManager transactionManager,
      Clock clock,
      Duration tokenLifetime) {
    this(jdbc, transactionManager, clock, tokenLifetime, "gt.signing_key");
  }

  /** Keys kept in another table of the same shape (tests, which must not touch the live keys). */
  SigningKeys(
      JdbcTemplate jdbc,
      PlatformTransactionManager transactionManager,
      Clock clock,
      Duration tokenLifetime,
      String table) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactionManager);
    this.clock = clock;
    this.keptAfterSuperseded = tokenLifetime;
    this.table = table;
  }

  /** The published keys (JWK Set endpoint, token verification); reloads for an unknown kid. */
  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) {
    Loaded current = current();
    Instant now = clock.instant();
    // At most one reload per few seconds for unknown key ids: tokens with made-up kids must not
    // turn into a query each.
    if (namesUnknownKey(selector, current.published())
        && lastUnknownKidReload.plus(UNKNOWN_KID_RELOAD).isBefore(now)) {
      lastUnknownKidReload = now;
      current = reload();
    }
    return selector.select(current.published());
  }

  private static boolean namesUnknownKey(JWKSelector selector, JWKSet known) {
    Set<String> asked = selector.getMatcher().getKeyIDs();
    return asked != null
        && !asked.isEmpty()
        && asked.stream().allMatch(kid -> kid != null && known.getKeyByKeyId(kid) == null);
  }

  /** The one key that signs now, for the token encoder. */
  JWKSource<SecurityContext> signer() {
    return (selector, context) -> selector.select(new JWKSet(current().signing()));
  }

  JWKSet keys() {
    return current().published();
  }

  /**
   * Adds a key that starts signing after {@link #PUBLISH_AHEAD}; the current one signs until then
   * and stays published until its tokens expire. Returns the new key and when it signs.
   */
  StoredKey rotate() {
    Instant signsFrom = clock.instant().plus(PUBLISH_AHEAD);
    RSAKey key = generate();
    transaction.executeWithoutResult(
        tx -> {
          jdbc.queryForObject(LOCK, Object.class, "signing-keys:" + table);
          insert(key, signsFrom);
        });
    reload();
    return new StoredKey(key.toPublicJWK(), signsFrom);
  }

  private Loaded current() {
    Loaded known = loaded;
    if (known == null || known.at().plus(RELOAD).isBefore(clock.instant())) {
      return reload();
    }
    // A key that was about to sign when the set was read may sign now.
    JWK signing = signing(known.stored(), clock.instant());
    return signing == known.signing() ? known : reload();
  }

  /** Keys in the order they sign: by when they start signing, then by key id. */
  private static final Comparator<StoredKey> SIGNING_ORDER =
      Comparator.comparing(StoredKey::signsFrom).thenComparing(k -> k.jwk().getKeyID());

  private synchronized Loaded reload() {
    Instant now = clock.instant();
    List<StoredKey> stored = load();
    if (stored.isEmpty()) {
      transaction.executeWithoutResult(
          tx -> {
            jdbc.queryForObject(LOCK, Object.class, "signing-keys:" + table);
            if (load().isEmpty()) {
              // The first key signs from the beginning of time: whatever another instance's clock
              // says, it is the key to sign with until a rotation.
              insert(generate(), Instant.EPOCH);
            }
          });
      stored = load();
    }
    JWK signing = signing(stored, now);
    Loaded fresh = new Loaded(stored, new JWKSet(published(stored, signing, now)), signing, now);
    loaded = fresh;
    return fresh;
  }

  /**
   * The newest key whose time to sign has come (ties to the key id); if none has (clocks of
   * instances disagree), the oldest key.
   */
  private static JWK signing(List<StoredKey> stored, Instant now) {
    return stored.stream()
        .filter(k -> !k.signsFrom().isAfter(now))
        .max(SIGNING_ORDER)
        .or(() -> stored.stream().min(SIGNING_ORDER))
        .map(StoredKey::jwk)
        .orElseThrow(() -> new IllegalStateException("No signing key stored"));
  }

  /**
   * Future keys, the signing key, and each older key until a token lifetime after the key that
   * followed it began signing (its last tokens may still be in use until then).
   */
  private List<JWK> published(List<StoredKey> stored, JWK signing, Instant now) {
    List<StoredKey> oldestFirst = new ArrayList<>(stored);
    oldestFirst.sort(SIGNING_ORDER);
    List<JWK> published = new ArrayList<>();
    for (int i = 0; i < oldestFirst.size(); i++) {
      StoredKey key = oldestFirst.get(i);
      boolean futureOrCurrent = key.signsFrom().isAfter(now) || key.jwk() == signing;
      Instant superseded = i + 1 < oldestFirst.size() ? oldestFirst.get(i + 1).signsFrom() : now;
      boolean stillVerifies = superseded.plus(keptAfterSuperseded).isAfter(now);
      if (futureOrCurrent || stillVerifies) {
        published.add(key.jwk());
      }
    }
    return published;
  }

  private List<StoredKey> load() {
    return jdbc.query(
        "SELECT jwk, signs_from FROM " + table + " WHERE active ORDER BY signs_from DESC, kid",
        (rs, row) -> {
          try {
            return new StoredKey(
                JWK.parse(rs.getString("jwk")), rs.getTimestamp("signs_from").toInstant());
          } catch (ParseException e) {
            throw new IllegalStateException("A stored signing key is not a valid JWK", e);
          }
        });
  }

  private void insert(RSAKey key, Instant signsFrom) {
    jdbc.update(
        "INSERT INTO " + table + " (kid, jwk, signs_from) VALUES (?, ?, ?)",
        key.getKeyID(),
        key.toJSONString(),
        Timestamp.from(signsFrom));
  }

  private static RSAKey generate() {
    try {
      return new RSAKeyGenerator(2048)
          .keyUse(KeyUse.SIGNATURE)
          .keyID(UUID.randomUUID().toString())
          .generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("Could not generate a signing key", e);
    }
  }
}
