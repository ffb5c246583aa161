package org.grouptherapy.kernel;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A round of work run every interval on one daemon thread of this instance, from {@link #start} to
 * {@link #stop} (what a {@code SmartLifecycle} bean delegates to). A failed round is logged by its
 * exception's class only (a message can carry PHI) and tried again the next round. Every instance
 * runs its own; correctness across instances comes from the database (locks, leases, unique keys),
 * never from there being one runner.
 */
public final class PeriodicTask {

  private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

  private final String name;
  private final Duration every;
  private final Runnable round;
  private ScheduledExecutorService executor;

  /**
   * {@code name} names the thread and the log line; the first round runs one interval after start.
   */
  public PeriodicTask(String name, Duration every, Runnable round) {
    this.name = name;
    this.every = every;
    this.round = round;
  }

  public synchronized void start() {
    if (executor != null) {
      return;
    }
    executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, name);
              thread.setDaemon(true);
              return thread;
            });
    long millis = every.toMillis();
    executor.scheduleWithFixedDelay(this::runSafely, millis, millis, TimeUnit.MILLISECONDS);
  }

  public synchronized void stop() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }

  public synchronized boolean isRunning() {
    return executor != null;
  }

  private void runSafely() {
    try {
      round.run();
    } catch (RuntimeException e) {
      log.warn(
          "{}: a round failed; trying again next round: {}", name, e.getClass().getSimpleName());
    }
  }
}
