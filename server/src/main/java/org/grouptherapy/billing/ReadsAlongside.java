package org.grouptherapy.billing;

import jakarta.annotation.PreDestroy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A bulk read run while the caller does another (a window's notes while its claims are read): both
 * wait on PostgreSQL, which then works on two cores. Each in its own read-only transaction, on a
 * small pool of daemon threads.
 */
@Component
class ReadsAlongside {

  private final ExecutorService pool =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread thread = new Thread(r, "billing-reads");
            thread.setDaemon(true);
            return thread;
          });
  private final TransactionTemplate readOnly;

  ReadsAlongside(PlatformTransactionManager transactions) {
    this.readOnly = new TransactionTemplate(transactions);
    this.readOnly.setReadOnly(true);
  }

  <T> Future<T> submit(Supplier<T> read) {
    return pool.submit(() -> readOnly.execute(tx -> read.get()));
  }

  /** The read's result; its failure as the caller's own. */
  static <T> T joined(Future<T> read) {
    try {
      return read.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while reading", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  @PreDestroy
  void stop() {
    pool.shutdownNow();
  }

  /** Where a run's bulk reads went: per kind of read, the time and the resources read. */
  static final class Times {
    private final Map<String, long[]> times = new TreeMap<>();

    void add(String kind, long startedNanos, int resources) {
      long[] t = times.computeIfAbsent(kind, k -> new long[2]);
      t[0] += System.nanoTime() - startedNanos;
      t[1] += resources;
    }

    @Override
    public String toString() {
      StringBuilder out = new StringBuilder();
      times.forEach(
          (kind, t) ->
              out.append(kind)
                  .append(' ')
                  .append(t[0] / 1_000_000)
                  .append(" ms/")
                  .append(t[1])
                  .append("; "));
      return out.toString();
    }
  }
}
