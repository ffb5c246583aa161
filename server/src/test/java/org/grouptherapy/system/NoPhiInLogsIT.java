package org.grouptherapy.system;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Names and identifiers never reach the log, on success or on failure. */
@IntegrationTest
@ExtendWith(OutputCaptureExtension.class)
class NoPhiInLogsIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;

  @Test
  void writesNoNameOrIdentifierToTheLog(CapturedOutput output) {
    FhirHttp fhir = new FhirHttp(port, fhirContext);
    String family = "Zzyzx" + Fixtures.uniqueId().substring(0, 8);
    Patient patient = Fixtures.patient(family);
    String mrn = patient.getIdentifierFirstRep().getValue();
    Map<String, String> conditional =
        Map.of("If-None-Exist", "identifier=" + Fixtures.TEST_SYSTEM + "|" + mrn);

    fhir.post("Patient", fhir.encode(patient), FhirHttp.FHIR_JSON, conditional);
    fhir.post("Patient", fhir.encode(patient), FhirHttp.FHIR_JSON, conditional);
    fhir.get("Patient?family=" + family);
    fhir.get("Patient?family=" + family + "&unknown-parameter=" + mrn);
    fhir.post("Patient", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + family + "\"");
    fhir.put("Patient/" + mrn, patient);
    // A malformed URL (Tomcat refuses it before any servlet) and malformed search values.
    rawGet("/fhir/Patient?identifier=" + mrn + "<>&family=" + family);
    fhir.get("Observation?value-quantity=%22" + mrn + "%22&subject:Patient.family=" + family);
    fhir.get("Appointment?date=" + mrn + "&patient.family=" + family);

    assertThat(output.getAll()).doesNotContain(family).doesNotContain(mrn);
  }

  private String rawGet(String target) {
    try (java.net.Socket socket = new java.net.Socket("localhost", port)) {
      String request =
          "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
      socket
          .getOutputStream()
          .write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      String answer =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(answer).startsWith("HTTP/1.1 400");
      return answer;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
