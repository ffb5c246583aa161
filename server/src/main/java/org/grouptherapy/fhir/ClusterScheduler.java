package org.grouptherapy.fhir;

import ca.uhn.fhir.jpa.model.sched.HapiJob;
import ca.uhn.fhir.jpa.model.sched.ScheduledJobDefinition;
import ca.uhn.fhir.jpa.sched.HapiSchedulerServiceImpl;
import java.time.Duration;
import org.quartz.Job;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;

/**
 * HAPI's scheduler, with its clustered jobs (batch maintenance, stale search removal, deferred
 * terminology storage, …) run once per interval across every instance on the database rather than
 * once per instance: HAPI's clustered scheduler keeps its jobs in memory, so each instance would
 * run them all. Each clustered job is scheduled as a {@link Guarded} job that asks {@link
 * OncePerCluster} before running the real one. Local jobs (each instance's caches) stay local.
 * Replaces HAPI's own {@code schedulerService} bean (see {@link FhirJpaConfiguration}).
 */
public class ClusterScheduler extends HapiSchedulerServiceImpl {

  static final String JOB_CLASS = "gt.jobClass";
  static final String JOB_ID = "gt.jobId";
  static final String INTERVAL = "gt.intervalMillis";

  public ClusterScheduler() {
    setDefaultGroup("HAPI");
  }

  @Override
  public void scheduleClusteredJob(long intervalMillis, ScheduledJobDefinition job) {
    super.scheduleClusteredJob(intervalMillis, guarded(intervalMillis, job));
  }

  /** The same job, id and data, run through {@link Guarded}. */
  static ScheduledJobDefinition guarded(long intervalMillis, ScheduledJobDefinition job) {
    ScheduledJobDefinition guarded = new ScheduledJobDefinition();
    guarded.setId(job.getId());
    guarded.setGroup(job.getGroup());
    guarded.setJobClass(Guarded.class);
    job.getJobData().forEach(guarded::addJobData);
    guarded.addJobData(JOB_CLASS, job.getJobClass().getName());
    guarded.addJobData(JOB_ID, job.getJobClass().getName() + "/" + job.getId());
    guarded.addJobData(INTERVAL, Long.toString(intervalMillis));
    return guarded;
  }

  /** Runs the real job when this instance claims the round; otherwise does nothing. */
  public static class Guarded implements HapiJob {

    @Autowired private OncePerCluster once;
    @Autowired private AutowireCapableBeanFactory beans;

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
      JobDataMap data = context.getMergedJobDataMap();
      Duration interval = Duration.ofMillis(Long.parseLong(data.getString(INTERVAL)));
      if (!once.claim(data.getString(JOB_ID), interval)) {
        return;
      }
      try {
        Class<?> type = Class.forName(data.getString(JOB_CLASS));
        // As HAPI's job factory makes its jobs: a new instance, its fields autowired.
        Job job = (Job) BeanUtils.instantiateClass(type);
        beans.autowireBean(job);
        job.execute(context);
      } catch (ClassNotFoundException e) {
        throw new JobExecutionException(e);
      }
    }
  }
}
