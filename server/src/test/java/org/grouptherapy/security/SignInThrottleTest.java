package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.grouptherapy.system.AppProperties;
import org.junit.jupiter.api.Test;

/** The waits after failed attempts: none at first, then doubling, then a lockout. */
class SignInThrottleTest {

  private static final AppProperties.Throttle DEFAULTS =
      new AppProperties.Throttle(
          true,
          3,
          Duration.ofSeconds(1),
          Duration.ofMinutes(5),
          10,
          Duration.ofMinutes(15),
          Duration.ofHours(1),
          50);

  @Test
  void aUserNameWaitsLongerAfterEachFailureThenIsLocked() {
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 1, false)).isZero();
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 3, false)).isZero();
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 4, false)).isEqualTo(Duration.ofSeconds(1));
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 5, false)).isEqualTo(Duration.ofSeconds(2));
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 9, false)).isEqualTo(Duration.ofSeconds(32));
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 10, false)).isEqualTo(Duration.ofMinutes(15));
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 30, false)).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void anAddressIsAllowedManyMoreFailures() {
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 50, true)).isZero();
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 51, true)).isEqualTo(Duration.ofSeconds(1));
    assertThat(SignInThrottle.waitAfter(DEFAULTS, 57, true)).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void theDelayNeverExceedsTheMaximum() {
    AppProperties.Throttle slow =
        new AppProperties.Throttle(
            true,
            0,
            Duration.ofMinutes(1),
            Duration.ofMinutes(3),
            40,
            Duration.ofHours(1),
            Duration.ofHours(1),
            50);
    assertThat(SignInThrottle.waitAfter(slow, 20, false)).isEqualTo(Duration.ofMinutes(3));
  }
}
