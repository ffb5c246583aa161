package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.MeterRegistry;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.Waits;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The audit trail loses nothing to a database fault: while its table cannot be written (here it is
 * renamed away, as a restart or failover would refuse writes), the requests' events wait in the
 * writer's queue, and they are all written once the database takes them again.
 */
@IntegrationTest
class AuditUnderFaultsIT {

  private static final int REQUESTS = 12;

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired JdbcTemplate jdbc;
  @Autowired MeterRegistry meters;
  @Autowired AuditTrail audit;

  @Test
  void eventsOfRequestsAnsweredDuringAFaultAreWrittenAfterIt() {
    FhirHttp fhir = new FhirHttp(port, fhirContext);
    assertThat(fhir.get("Patient?_count=1").status()).isEqualTo(200); // a token before the fault
    audit.flush();
    String marker = "Auditfault" + Long.toString(System.nanoTime(), 36).replaceAll("[0-9]", "x");
    double failuresBefore = failures();

    jdbc.execute("ALTER TABLE gt.audit_event RENAME TO audit_event_away");
    try {
      for (int i = 0; i < REQUESTS; i++) {
        assertThat(fhir.get("Patient?family=" + marker).status()).isEqualTo(200);
      }
      Waits.eventually().until(() -> failures() > failuresBefore);
    } finally {
      jdbc.execute("ALTER TABLE gt.audit_event_away RENAME TO audit_event");
    }

    Waits.eventually()
        .until(
            () ->
                jdbc.queryForObject(
                        "SELECT count(*) FROM gt.audit_event WHERE query LIKE ?",
                        Integer.class,
                        "%" + marker + "%")
                    == REQUESTS);
    assertThat(meters.find("gt.audit.dropped").counter().count()).isZero();
  }

  private double failures() {
    return meters.find("gt.audit.write.failures").counter().count();
  }
}
