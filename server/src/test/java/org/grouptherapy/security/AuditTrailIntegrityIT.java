package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.UUID;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.Waits;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Nobody writes the audit trail but the server: not over REST, not in a bundle, not anyhow. */
@IntegrationTest
class AuditTrailIntegrityIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp system;
  FhirHttp admin;

  @BeforeEach
  void setUp() {
    SmartAuth auth = new SmartAuth(port);
    system = new FhirHttp(port, fhirContext);
    admin =
        new FhirHttp(port, fhirContext, auth.userToken("admin", "openid fhirUser user/*.cruds"));
  }

  private static AuditEvent forged(String marker) {
    AuditEvent event = new AuditEvent();
    event.setType(
        new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", null));
    event.setRecorded(new java.util.Date());
    event.setOutcome(AuditEvent.AuditEventOutcome._0);
    event.addAgent().setRequestor(true).setWho(new Reference().setDisplay(marker));
    event.getSource().setObserver(new Reference().setDisplay(marker));
    return event;
  }

  @Test
  void aTransactionCarryingAnAuditEventIsRefusedWhole() {
    String marker = "forged-" + UUID.randomUUID();
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Patient patient = new Patient();
    patient.addIdentifier().setSystem("urn:test").setValue(marker);
    transaction
        .addEntry()
        .setResource(patient)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl("Patient");
    transaction
        .addEntry()
        .setResource(forged(marker))
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl("AuditEvent");
    for (FhirHttp who : new FhirHttp[] {admin, system}) {
      FhirHttp.Response response = who.post("", transaction);
      assertThat(response.status()).as(response.toString()).isEqualTo(403);
      assertThat(response.diagnostics()).contains("audit trail");
    }
    Bundle patients = system.get("Patient?identifier=urn:test|" + marker).resource(Bundle.class);
    assertThat(patients.getEntry()).as("nothing half-written").isEmpty();
  }

  @Test
  void aBatchEntryWritingAnAuditEventFailsAlone() {
    String marker = "forged-" + UUID.randomUUID();
    Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
    batch
        .addEntry()
        .setResource(forged(marker))
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl("AuditEvent");
    batch
        .addEntry()
        .setResource(forged(marker))
        .getRequest()
        .setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("AuditEvent/" + marker);
    FhirHttp.Response response = system.post("", batch);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    for (Bundle.BundleEntryComponent entry : response.resource(Bundle.class).getEntry()) {
      assertThat(entry.getResponse().getStatus()).startsWith("403");
    }
  }

  @Test
  void directWritesAreRefusedForAdministratorsToo() {
    String marker = "forged-" + UUID.randomUUID();
    assertThat(admin.post("AuditEvent", forged(marker)).status()).isIn(403, 405);
    assertThat(admin.put("AuditEvent/" + marker, forged(marker).setId(marker)).status())
        .isIn(403, 405);
    assertThat(system.post("AuditEvent", forged(marker)).status()).isIn(403, 405);
  }

  @Test
  void historyAndExportHoldNoAuditEvent() throws Exception {
    Bundle history = system.get("_history?_type=AuditEvent&_count=50").resource(Bundle.class);
    assertThat(history.getEntry())
        .noneMatch(e -> e.getResource() != null && "AuditEvent".equals(e.getResource().fhirType()));

    Map<String, String> async =
        Map.of("Prefer", "respond-async", "Accept", "application/fhir+json");
    FhirHttp.Response kickOff = system.get("$export?_type=AuditEvent", async);
    if (kickOff.status() == 202) {
      String statusUrl = kickOff.header("Content-Location").orElseThrow();
      FhirHttp.Response status =
          Waits.eventually().until(() -> system.get(statusUrl), r -> r.status() != 202);
      JsonNode manifest = new ObjectMapper().readTree(status.body());
      assertThat(manifest.path("output")).as("no AuditEvent file").isEmpty();
    } else {
      assertThat(kickOff.status()).as(kickOff.toString()).isIn(400, 403);
    }
  }
}
