package org.grouptherapy.demo;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import org.grouptherapy.kernel.ServerWrites;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Meta;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Loads the demo practice (demo/demo-practice.json, then the people in intake from
 * demo/demo-intake.json, both written by tools/demo) through the FHIR API on the first start of a
 * database, and records that it did so in {@code gt.demo_data_load}. Every entry is a conditional
 * update on a business identifier, so even a load interrupted before it was recorded never
 * duplicates anything, and a database holding an older version of the demo is brought up to this
 * one.
 */
@Component
@Order(10)
@ConditionalOnProperty(name = "app.demo.enabled", havingValue = "true", matchIfMissing = true)
class DemoPracticeLoader implements ApplicationRunner {

  static final String DATA_SET = "demo-practice";

  /** Raised when the demo changes: the new version updates the old one in place. */
  static final int VERSION = 7;

  private static final String BUNDLE = "demo/demo-practice.json";

  /** People in intake, one small transaction each, through the same hooks a client's would run. */
  private static final String INTAKE = "demo/demo-intake.json";

  private static final Logger log = LoggerFactory.getLogger(DemoPracticeLoader.class);

  private final IFhirSystemDao<Bundle, Meta> systemDao;
  private final FhirContext fhirContext;
  private final JdbcTemplate jdbc;
  private final Clock clock;
  private final DemoAttendance attendance;
  private final DemoIntakeSteps intakeSteps;
  private final DemoCover cover;
  private final org.grouptherapy.communication.SessionReminders reminders;
  private final org.grouptherapy.system.StartupLock startupLock;

  DemoPracticeLoader(
      IFhirSystemDao<Bundle, Meta> systemDao,
      FhirContext fhirContext,
      JdbcTemplate jdbc,
      Clock clock,
      DemoAttendance attendance,
      DemoIntakeSteps intakeSteps,
      DemoCover cover,
      org.grouptherapy.communication.SessionReminders reminders,
      org.grouptherapy.system.StartupLock startupLock) {
    this.cover = cover;
    this.reminders = reminders;
    this.systemDao = systemDao;
    this.fhirContext = fhirContext;
    this.jdbc = jdbc;
    this.clock = clock;
    this.attendance = attendance;
    this.intakeSteps = intakeSteps;
    this.startupLock = startupLock;
  }

  @Override
  public void run(ApplicationArguments args) throws Exception {
    // Instances starting together each loaded the practice (HFJ_RES_SEARCH_URL collisions).
    startupLock.run("demo-practice", this::load);
  }

  private void load() throws IOException {
    if (alreadyLoaded()) {
      log.info("Demo practice already loaded; set app.demo.enabled=false to skip this check");
      return;
    }
    Bundle transaction = readBundle(BUNDLE);
    DemoSessionCalendar.moveToWeekOf(fhirContext, transaction, clock.instant());
    // Written as the server's own writes: the data set is fixed, and DemoPracticeIT validates every
    // resource in it against the profile it claims. Validating 600 resources again at every first
    // start took more than half of the load.
    Bundle response = systemDao.transaction(ServerWrites.writer(null), transaction);
    int intake = 0;
    for (Bundle.BundleEntryComponent entry : readBundle(INTAKE).getEntry()) {
      Bundle person = (Bundle) entry.getResource();
      DemoSessionCalendar.moveToWeekOf(fhirContext, person, clock.instant());
      intake += systemDao.transaction(ServerWrites.writer(null), person).getEntry().size();
    }
    intakeSteps.run();
    cover.run();
    int sessions = attendance.recordPastSessions();
    // The reminders of the next two days' sessions, at once rather than at the first scan.
    reminders.sendDue(clock.instant());
    jdbc.update(
        "INSERT INTO gt.demo_data_load (data_set, version, resources) VALUES (?, ?, ?)"
            + " ON CONFLICT DO NOTHING",
        DATA_SET,
        VERSION,
        response.getEntry().size() + intake);
    log.info(
        "Demo practice loaded: {} resources, attendance and notes of {} past sessions",
        response.getEntry().size() + intake,
        sessions);
  }

  private boolean alreadyLoaded() {
    Integer count =
        jdbc.queryForObject(
            "SELECT count(*) FROM gt.demo_data_load WHERE data_set = ? AND version = ?",
            Integer.class,
            DATA_SET,
            VERSION);
    return count != null && count > 0;
  }

  private Bundle readBundle(String path) throws IOException {
    try (InputStream in = new ClassPathResource(path).getInputStream()) {
      return fhirContext.newJsonParser().parseResource(Bundle.class, in);
    }
  }
}
