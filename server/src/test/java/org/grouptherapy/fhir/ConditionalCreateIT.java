package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A conditional create answers what the database holds now: after the matching resource was
 * re-identified or deleted, the same If-None-Exist creates a new one (HAPI's match-URL cache kept
 * answering 200 with the old id, minutes later, and on other instances).
 */
@IntegrationTest
class ConditionalCreateIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;

  @Test
  void aReidentifiedOrDeletedMatchIsNotFoundAgain() {
    FhirHttp fhir = new FhirHttp(port, fhirContext);
    String value = Fixtures.uniqueId();
    String match = "identifier=" + Fixtures.TEST_SYSTEM + "|" + value;
    Patient patient = Fixtures.patient("Matched");
    patient.getIdentifier().clear();
    patient.addIdentifier().setSystem(Fixtures.TEST_SYSTEM).setValue(value);

    FhirHttp.Response first = create(fhir, patient, match);
    assertThat(first.status()).isEqualTo(201);
    String firstId = id(first);
    assertThat(create(fhir, patient, match).status()).as("found, not created twice").isEqualTo(200);

    Patient reidentified = fhir.get(firstId).resource(Patient.class);
    reidentified.getIdentifierFirstRep().setValue(value + "-merged");
    assertThat(fhir.put(firstId, reidentified).status()).isEqualTo(200);
    FhirHttp.Response second = create(fhir, patient, match);
    assertThat(second.status()).as("the match moved away: a new resource").isEqualTo(201);
    String secondId = id(second);
    assertThat(secondId).isNotEqualTo(firstId);

    assertThat(fhir.delete(secondId).status()).isIn(200, 204);
    FhirHttp.Response third = create(fhir, patient, match);
    assertThat(third.status()).as("the match was deleted: a new resource").isEqualTo(201);
    assertThat(id(third)).isNotIn(firstId, secondId);
  }

  private static FhirHttp.Response create(FhirHttp fhir, Patient patient, String match) {
    return fhir.post(
        "Patient", fhir.encode(patient), "application/fhir+json", Map.of("If-None-Exist", match));
  }

  private static String id(FhirHttp.Response response) {
    return response.resource(Patient.class).getIdElement().toUnqualifiedVersionless().getValue();
  }
}
