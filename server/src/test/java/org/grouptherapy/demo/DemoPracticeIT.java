package org.grouptherapy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.time.Duration;
import java.time.Instant;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The demo practice a newcomer sees on the first start. */
@IntegrationTest
class DemoPracticeIT {

  static final String DEMO_IDS = "http://grouptherapy.example.org/identifiers";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired DemoPracticeLoader loader;
  FhirHttp fhir;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
  }

  @Test
  void loadsAPracticeWithSitesRoomsTherapistsGroupsPatientsAndCoverage() {
    assertThat(count("Organization?identifier=" + DEMO_IDS + "/organization|riverbend"))
        .isEqualTo(1);
    assertThat(count("Location?identifier=" + DEMO_IDS + "/location|")).isEqualTo(7);
    assertThat(count("Practitioner?identifier=" + DEMO_IDS + "/practitioner|")).isEqualTo(8);
    assertThat(count("PractitionerRole?identifier=" + DEMO_IDS + "/practitionerrole|"))
        .isEqualTo(8);
    assertThat(count("Patient?identifier=" + DEMO_IDS + "/patient|")).isEqualTo(40);
    assertThat(count("Coverage?identifier=" + DEMO_IDS + "/coverage|")).isEqualTo(40);
    assertThat(
            count(
                "Group?_profile=http://grouptherapy.example.org/fhir/StructureDefinition/therapy-group&identifier="
                    + DEMO_IDS
                    + "/group|"))
        .isEqualTo(6);
  }

  @Test
  void schedulesAMonthOfSessionsAroundToday() {
    Bundle sessions =
        fhir.get("Appointment?identifier=" + DEMO_IDS + "/appointment|&_count=100")
            .resource(Bundle.class);
    assertThat(sessions.getEntry()).hasSize(30);
    Instant now = Instant.now();
    for (Bundle.BundleEntryComponent entry : sessions.getEntry()) {
      Appointment session = (Appointment) entry.getResource();
      assertThat(Duration.between(now, session.getStart().toInstant()).abs())
          .isLessThan(Duration.ofDays(22));
      if (session.getEnd().toInstant().isBefore(now)) {
        assertThat(session.getStatus()).isEqualTo(Appointment.AppointmentStatus.FULFILLED);
      } else {
        assertThat(session.getStatus()).isEqualTo(Appointment.AppointmentStatus.BOOKED);
      }
    }
  }

  @Test
  void loadingAgainAddsNothing() throws Exception {
    int before = count("Patient?identifier=" + DEMO_IDS + "/patient|");
    loader.run(new DefaultApplicationArguments());
    assertThat(count("Patient?identifier=" + DEMO_IDS + "/patient|")).isEqualTo(before);
  }

  private int count(String search) {
    Bundle bundle = fhir.get(search + "&_summary=count").resource(Bundle.class);
    return bundle.getTotal();
  }
}
