package org.grouptherapy.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Writes audit records to {@code gt.audit_event} off the request threads: requests queue a few
 * strings; a background thread COPYs them in batches every {@link #GATHER}. A batch the database
 * refuses (a restart, a failover, a full disk) is kept and written again, oldest first, with a
 * growing pause between attempts, so a fault loses nothing that fits in the queue. The queue is
 * bounded ({@link #CAPACITY} records, failed batches included); when it is full, a record is
 * dropped and counted ({@code gt.audit.dropped}, an error in the log each time): that counter is
 * the alarm to watch, with {@code gt.audit.queue} (records waiting) and {@code
 * gt.audit.write.failures}.
 */
final class AuditWriter {

  private static final Logger log = LoggerFactory.getLogger(AuditWriter.class);
  static final int BATCH = 500;
  static final int CAPACITY = 100_000;
  private static final Duration GATHER = Duration.ofMillis(100);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  private final JdbcTemplate jdbc;

  /**
   * Not a blocking queue: a request never wakes the writer (a thread switch per request on a small
   * machine); the writer comes by every {@link #GATHER}.
   */
  private final Queue<AuditRecord> queue = new ConcurrentLinkedQueue<>();

  /** Batches the database refused, oldest first; only touched under this object's lock. */
  private final Deque<List<AuditRecord>> failed = new ArrayDeque<>();

  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final Counter dropped;
  private final Counter failures;
  private final Thread writer;
  private volatile boolean running = true;
  private long pauseUntil;
  private Duration pause = GATHER;

  AuditWriter(JdbcTemplate jdbc, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.dropped =
        Counter.builder("gt.audit.dropped")
            .description("Audit records dropped because the queue was full (alarm on any)")
            .register(meters);
    this.failures =
        Counter.builder("gt.audit.write.failures")
            .description("Audit batches the database refused (each is written again)")
            .register(meters);
    Gauge.builder("gt.audit.queue", this, AuditWriter::waiting)
        .description("Audit records not yet written")
        .register(meters);
    this.writer = new Thread(this::writeLoop, "audit-writer");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  void enqueue(AuditRecord record) {
    if (waiting() >= CAPACITY) {
      dropped.increment();
      log.error("Audit queue full: an AuditEvent was dropped");
      return;
    }
    queue.add(record);
    queued.incrementAndGet();
  }

  long waiting() {
    return queued.get() - written.get();
  }

  /**
   * Writes everything recorded so far and waits (up to five seconds) for a batch the writer thread
   * is writing; used on shutdown and by tests that read the trail.
   */
  void flush() {
    long target = queued.get();
    writeQueued(true);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (written.get() < target && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  void stop() throws InterruptedException {
    running = false;
    writer.interrupt();
    writer.join(2000);
    flush();
  }

  private void writeLoop() {
    while (running) {
      try {
        Thread.sleep(GATHER.toMillis());
        writeQueued(false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("Audit writer round failed: {}", e.getClass().getSimpleName());
      }
    }
  }

  /**
   * Failed batches first, then what the requests queued, in batches of {@link #BATCH}; stops at the
   * first refusal (the rest waits for the next attempt, after a pause unless {@code now}).
   */
  private synchronized void writeQueued(boolean now) {
    if (!now && System.nanoTime() < pauseUntil) {
      return;
    }
    while (!failed.isEmpty()) {
      if (!write(failed.peekFirst())) {
        return;
      }
      failed.removeFirst();
    }
    List<AuditRecord> batch = new ArrayList<>();
    AuditRecord next;
    while ((next = queue.poll()) != null) {
      batch.add(next);
      if (batch.size() == BATCH) {
        if (!write(batch)) {
          failed.addLast(batch);
          return;
        }
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty() && !write(batch)) {
      failed.addLast(batch);
    }
  }

  private boolean write(List<AuditRecord> records) {
    try {
      copy(records);
    } catch (RuntimeException e) {
      failures.increment();
      if (pause.equals(GATHER)) {
        log.error(
            "Could not write {} AuditEvents ({}): kept, written again when the database answers",
            records.size(),
            e.getClass().getSimpleName());
      }
      pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
      pauseUntil = System.nanoTime() + pause.toNanos();
      return false;
    }
    if (!pause.equals(GATHER)) {
      log.info("Audit writer recovered: writing the kept AuditEvents");
      pause = GATHER;
    }
    written.addAndGet(records.size());
    return true;
  }

  private void copy(List<AuditRecord> records) {
    StringBuilder rows = new StringBuilder(records.size() * 200);
    for (AuditRecord record : records) {
      record.appendCopyRow(rows);
    }
    jdbc.execute(
        (ConnectionCallback<Long>)
            connection -> {
              try {
                return connection
                    .unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn(AuditRecord.COPY, new StringReader(rows.toString()));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }
}
