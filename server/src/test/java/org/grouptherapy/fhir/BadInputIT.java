package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.grouptherapy.support.Fixtures.patient;

import ca.uhn.fhir.context.FhirContext;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Malformed, misplaced and oversized input: a clear 4xx with an OperationOutcome, nothing stored.
 */
@IntegrationTest
class BadInputIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
  }

  @Test
  void rejectsMalformedJsonWithTheParseError() {
    FhirHttp.Response response = fhir.post("Patient", "{\"resourceType\":\"Patient\", \"name\": [");
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.diagnostics()).contains("Failed to parse");
  }

  @Test
  void rejectsMalformedXmlWithTheParseError() {
    FhirHttp.Response response =
        fhir.post(
            "Patient",
            "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"X\"/></Patient>",
            "application/fhir+xml",
            Map.of());
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.body()).contains("OperationOutcome").contains("Failed to parse");
  }

  @Test
  void rejectsAResourceOfAnotherTypeThanTheUrlNames() {
    FhirHttp.Response response =
        fhir.post("Patient", "{\"resourceType\":\"Group\",\"type\":\"person\",\"actual\":true}");
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.diagnostics()).contains("expected \"Patient\" but found \"Group\"");
  }

  @Test
  void rejectsAnUnknownSearchParameterAndListsTheValidOnes() {
    FhirHttp.Response response = fhir.get("Group?colour=blue");
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.diagnostics())
        .contains("Unknown search parameter \"colour\"")
        .contains("enrolment-mode");
  }

  @Test
  void answersUnknownResourcesAndTypesWith404() {
    assertThat(fhir.get("Group/no-such-group").status()).isEqualTo(404);
    FhirHttp.Response unknownType = fhir.get("TherapyGroup");
    assertThat(unknownType.status()).isEqualTo(404);
    assertThat(unknownType.diagnostics()).contains("Unknown resource type 'TherapyGroup'");
  }

  @Test
  void refusesAnOversizedBodyBeforeReadingIt() {
    String family = "Oversized-" + Fixtures.uniqueId();
    String body = oversizedPatient(family);

    FhirHttp.Response response = fhir.post("Patient", body);

    assertThat(response.status()).isEqualTo(413);
    assertThat(response.diagnostics()).contains("larger than this server accepts");
    assertThat(searchByFamily(family).getEntry()).isEmpty();
  }

  @Test
  void refusesAnOversizedChunkedBodyWhileReadingIt() {
    String family = "Chunked-" + Fixtures.uniqueId();
    byte[] body = oversizedPatient(family).getBytes();
    HttpRequest.Builder request =
        fhir.request("Patient")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));

    FhirHttp.Response response = fhir.send(request, Map.of("Content-Type", FhirHttp.FHIR_JSON));

    assertThat(response.status()).isEqualTo(413);
    assertThat(response.diagnostics()).contains("larger than this server accepts");
    assertThat(searchByFamily(family).getEntry()).isEmpty();
  }

  @Test
  void storesNothingOfATransactionWithOneBadEntry() {
    String family = "Atomic-" + Fixtures.uniqueId();
    Patient dangling = patient(family);
    dangling.setManagingOrganization(new Reference("Organization/does-not-exist"));

    FhirHttp.Response response = fhir.post("", patientThen(family, dangling));

    assertThat(response.status()).isBetween(400, 499);
    assertThat(response.diagnostics()).contains("Organization/does-not-exist");
    assertThat(searchByFamily(family).getEntry()).isEmpty();
  }

  @Test
  void storesNothingOfATransactionWithAnInvalidProfiledGroup() {
    String family = "Profiled-" + Fixtures.uniqueId();
    var group = Fixtures.therapyGroup("Missing practice", "Organization/x");
    group.setManagingEntity(null);
    Bundle transaction = patientThen(family, group);

    FhirHttp.Response response = fhir.post("", transaction);

    assertThat(response.status()).isEqualTo(422);
    assertThat(response.diagnostics()).contains("Group.managingEntity");
    assertThat(searchByFamily(family).getEntry()).isEmpty();
  }

  @Test
  void rejectsATransactionThatIsNotABundle() {
    FhirHttp.Response response = fhir.post("", fhir.encode(patient("NotABundle")));
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.body()).contains("OperationOutcome");
  }

  /** A transaction creating a valid Patient of this family, then the given resource. */
  private static Bundle patientThen(String family, Resource second) {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (Resource resource : List.of(patient(family), second)) {
      transaction
          .addEntry()
          .setResource(resource)
          .getRequest()
          .setMethod(Bundle.HTTPVerb.POST)
          .setUrl(resource.fhirType());
    }
    return transaction;
  }

  private Bundle searchByFamily(String family) {
    return fhir.get("Patient?family=" + family).resource(Bundle.class);
  }

  private static String oversizedPatient(String family) {
    String filler = "x".repeat(1_200_000);
    return "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\""
        + family
        + "\",\"text\":\""
        + filler
        + "\"}]}";
  }
}
