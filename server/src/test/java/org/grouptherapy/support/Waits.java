package org.grouptherapy.support;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Waiting for a condition, never for a fixed time: the limits are generous (a loaded 2-core machine
 * is slow, and nothing but a fault waits this long), and a fast machine does not wait at all.
 */
public final class Waits {

  /** How long anything may take before a test calls it broken. */
  public static final Duration PATIENCE = Duration.ofMinutes(5);

  private Waits() {}

  /** Polls the condition every 200 ms, up to {@link #PATIENCE}. */
  public static ConditionFactory eventually() {
    return Awaitility.await()
        .atMost(PATIENCE)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(200));
  }
}
