package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.model.sched.ISchedulerService;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.Waits;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * HAPI's clustered jobs run once per interval across every instance on the database: each is
 * scheduled behind a claim in {@code gt.cluster_job}, and of several instances whose timers fire at
 * once, one runs the round.
 */
@IntegrationTest
class ClusteredJobsIT {

  @Autowired ISchedulerService scheduler;
  @Autowired OncePerCluster once;
  @Autowired JdbcTemplate jdbc;

  @Test
  void hapisClusteredJobsRunBehindAClaimInTheDatabase() throws Exception {
    assertThat(scheduler).isInstanceOf(ClusterScheduler.class);
    assertThat(scheduler.getClusteredJobKeysForUnitTest()).isNotEmpty();
    // Batch maintenance (every 2 s here) claims its rounds, and goes on claiming them.
    String maintenance = "%JobMaintenanceServiceImpl%";
    Waits.eventually()
        .until(
            () ->
                jdbc.queryForObject(
                        "SELECT count(*) FROM gt.cluster_job WHERE job LIKE ?",
                        Integer.class,
                        maintenance)
                    > 0);
    Timestamp first =
        jdbc.queryForObject(
            "SELECT last_run FROM gt.cluster_job WHERE job LIKE ?", Timestamp.class, maintenance);
    Waits.eventually()
        .until(
            () ->
                jdbc.queryForObject(
                        "SELECT last_run FROM gt.cluster_job WHERE job LIKE ?",
                        Timestamp.class,
                        maintenance)
                    .after(first));
  }

  @Test
  void ofEightInstancesFiringAtOnceOneRunsTheRoundAndTheNextRoundIsClaimedAgain() throws Exception {
    String job = "test/" + UUID.randomUUID();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> claims = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      claims.add(
          pool.submit(
              () -> {
                start.await();
                return once.claim(job, Duration.ofMinutes(10));
              }));
    }
    start.countDown();
    int ran = 0;
    for (Future<Boolean> claim : claims) {
      ran += claim.get() ? 1 : 0;
    }
    pool.shutdown();
    assertThat(ran).isEqualTo(1);
    assertThat(once.claim(job, Duration.ofMinutes(10))).isFalse();

    // The interval has passed (moved back rather than waited for): the next round is due.
    jdbc.update(
        "UPDATE gt.cluster_job SET next_due = now() - interval '1 second' WHERE job = ?", job);
    assertThat(once.claim(job, Duration.ofMinutes(10))).isTrue();
    assertThat(once.claim(job, Duration.ofMinutes(10))).isFalse();
  }
}
