package org.grouptherapy.calendar;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.grouptherapy.system.Hashes;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Secret feed URLs: 256 random bits, of which only a SHA-256 hash is stored. One active feed per
 * practitioner or room; a new one revokes the old.
 */
@Component
public class CalendarFeeds {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcTemplate jdbc;

  CalendarFeeds(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** A new secret for the actor's feed; any earlier one stops working. */
  @Transactional
  public String rotate(String actor, String createdBy) {
    revoke(actor);
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    jdbc.update(
        "INSERT INTO gt.calendar_feed (token_hash, actor, created_by) VALUES (?, ?, ?)",
        hash(token),
        actor,
        createdBy);
    return token;
  }

  /** Revokes the actor's feed; returns how many were active. */
  public int revoke(String actor) {
    return jdbc.update(
        "UPDATE gt.calendar_feed SET revoked_at = now() WHERE actor = ? AND revoked_at IS NULL",
        actor);
  }

  public Optional<String> actorFor(String token) {
    if (token == null || !token.matches("[A-Za-z0-9_-]{43}")) {
      return Optional.empty();
    }
    List<String> actors =
        jdbc.queryForList(
            "SELECT actor FROM gt.calendar_feed WHERE token_hash = ? AND revoked_at IS NULL",
            String.class,
            hash(token));
    return actors.stream().findFirst();
  }

  private static String hash(String token) {
    return Hashes.sha256Hex(token);
  }
}
