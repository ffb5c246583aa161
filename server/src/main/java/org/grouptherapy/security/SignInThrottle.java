package org.grouptherapy.security;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.grouptherapy.system.AppProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Slows down password and client-secret guessing, on every instance alike ({@code
 * gt.sign_in_throttle}): after a few failures for one user name or client id, each further attempt
 * must wait a delay that doubles per failure, then the name is locked for a while; a source address
 * gets the same treatment after many more failures (several people may share one). An attempt made
 * too early is refused without its password being checked, with the same answer as a wrong
 * password, and unknown names are counted like known ones: nothing tells who exists. A success
 * clears the name's count.
 */
@Component
public class SignInThrottle {

  /** What is counted: a user name, a client id, or a source address. */
  public record Key(String value, boolean address) {

    static Key user(String name) {
      return new Key("user:" + normalized(name), false);
    }

    static Key client(String clientId) {
      return new Key("client:" + normalized(clientId), false);
    }

    static Key address(String address) {
      return new Key("address:" + (address == null ? "unknown" : address), true);
    }

    private static String normalized(String name) {
      String text = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
      return text.length() > 200 ? text.substring(0, 200) : text;
    }
  }

  private final JdbcTemplate jdbc;
  private final Clock clock;
  private final AppProperties.Throttle settings;

  SignInThrottle(JdbcTemplate jdbc, Clock clock, AppProperties properties) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.settings = properties.security().throttle();
  }

  /** Whether an attempt for these keys may be checked now. */
  public boolean allows(List<Key> keys) {
    if (!settings.enabled()) {
      return true;
    }
    Integer blocked =
        jdbc.queryForObject(
            "SELECT count(*) FROM gt.sign_in_throttle WHERE key = ANY (?) AND not_before > ?",
            Integer.class,
            keys.stream().map(Key::value).toArray(String[]::new),
            Timestamp.from(clock.instant()));
    return blocked == null || blocked == 0;
  }

  /** A failed attempt: each key's count grows, and with it the wait before the next attempt. */
  public void failed(List<Key> keys) {
    if (!settings.enabled()) {
      return;
    }
    Instant now = clock.instant();
    Timestamp windowStart = Timestamp.from(now.minus(settings.window()));
    jdbc.update(
        "DELETE FROM gt.sign_in_throttle WHERE first_failure_at < ? AND not_before < ?",
        windowStart,
        Timestamp.from(now));
    for (Key key : keys) {
      Integer failures =
          jdbc.queryForObject(
              "INSERT INTO gt.sign_in_throttle AS t (key, failures, first_failure_at, not_before)"
                  + " VALUES (?, 1, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                  + " failures = CASE WHEN t.first_failure_at < ? THEN 1 ELSE t.failures + 1 END,"
                  + " first_failure_at = CASE WHEN t.first_failure_at < ? THEN excluded"
                  + ".first_failure_at ELSE t.first_failure_at END"
                  + " RETURNING failures",
              Integer.class,
              key.value(),
              Timestamp.from(now),
              Timestamp.from(now),
              windowStart,
              windowStart);
      Duration wait = waitAfter(settings, failures == null ? 1 : failures, key.address());
      jdbc.update(
          "UPDATE gt.sign_in_throttle SET not_before = ? WHERE key = ?",
          Timestamp.from(now.plus(wait)),
          key.value());
    }
  }

  /** A successful attempt clears the count of the name (not of the address). */
  public void succeeded(Key key) {
    if (settings.enabled()) {
      jdbc.update("DELETE FROM gt.sign_in_throttle WHERE key = ?", key.value());
    }
  }

  /** How long to wait after this many failures in the window. */
  static Duration waitAfter(AppProperties.Throttle settings, int failures, boolean address) {
    int free = address ? settings.addressFailures() : settings.freeFailures();
    int lockout = free + Math.max(1, settings.lockoutFailures() - settings.freeFailures());
    if (failures <= free) {
      return Duration.ZERO;
    }
    if (failures >= lockout) {
      return settings.lockout();
    }
    Duration delay = settings.firstDelay().multipliedBy(1L << Math.min(30, failures - free - 1));
    return delay.compareTo(settings.maxDelay()) > 0 ? settings.maxDelay() : delay;
  }
}
