package org.grouptherapy.security;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.grouptherapy.system.AppProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * EHR launches ({@code gt.smart_launch}): made when a signed-in user opens an app from this server
 * for a patient, redeemed once by that app and user at the authorization endpoint, and read back
 * each time a token of that sign-in is issued (refreshes too), so the token carries the patient.
 */
@Component
class SmartLaunches {

  /** How long a launch waits to be used. */
  static final Duration USE_WITHIN = Duration.ofMinutes(5);

  /** The launch context a token carries. */
  record Launch(String patient, String encounter) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcTemplate jdbc;
  private final Clock clock;
  private final Duration keep;

  SmartLaunches(JdbcTemplate jdbc, Clock clock, AppProperties properties) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.keep = properties.security().refreshTokenLifetime().plus(USE_WITHIN);
  }

  String create(String clientId, String userName, String patient, String encounter) {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    jdbc.update(
        "DELETE FROM gt.smart_launch WHERE created_at < ?",
        Timestamp.from(clock.instant().minus(keep)));
    jdbc.update(
        "INSERT INTO gt.smart_launch (id, client_id, user_name, patient, encounter, created_at)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        id,
        clientId,
        userName,
        patient,
        encounter,
        Timestamp.from(clock.instant()));
    return id;
  }

  /** Whether a launch exists for this app, unused and recent (before the user has signed in). */
  boolean usable(String id, String clientId) {
    Integer count =
        jdbc.queryForObject(
            "SELECT count(*) FROM gt.smart_launch WHERE id = ? AND client_id = ?"
                + " AND used_at IS NULL AND created_at > ?",
            Integer.class,
            id,
            clientId,
            Timestamp.from(clock.instant().minus(USE_WITHIN)));
    return count != null && count > 0;
  }

  /** Redeems a launch for its app and user: once, within {@link #USE_WITHIN} of its making. */
  Optional<Launch> redeem(String id, String clientId, String userName) {
    List<Launch> found =
        jdbc.query(
            "UPDATE gt.smart_launch SET used_at = ? WHERE id = ? AND client_id = ?"
                + " AND user_name = ? AND used_at IS NULL AND created_at > ?"
                + " RETURNING patient, encounter",
            (row, n) -> new Launch(row.getString(1), row.getString(2)),
            Timestamp.from(clock.instant()),
            id,
            clientId,
            userName,
            Timestamp.from(clock.instant().minus(USE_WITHIN)));
    return found.stream().findFirst();
  }

  /** The context of a redeemed launch, for the tokens of its sign-in. */
  Optional<Launch> redeemed(String id) {
    return jdbc
        .query(
            "SELECT patient, encounter FROM gt.smart_launch WHERE id = ? AND used_at IS NOT NULL",
            (row, n) -> new Launch(row.getString(1), row.getString(2)),
            id)
        .stream()
        .findFirst();
  }
}
