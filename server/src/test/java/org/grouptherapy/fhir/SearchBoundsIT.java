package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Searches are bounded and their values must parse: 400 naming the parameter, never 500. */
@IntegrationTest
class SearchBoundsIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
  }

  @Test
  void refusesHundredsOfRepeatedParameters() {
    StringBuilder query = new StringBuilder("Patient?");
    for (int i = 0; i < 300; i++) {
      query.append("family=x").append(i).append('&');
    }
    FhirHttp.Response response = fhir.get(query.toString());
    assertThat(response.status()).as(response.toString()).isEqualTo(400);
    assertThat(response.diagnostics()).contains("at most 60");
  }

  @Test
  void refusesThousandsOfValues() {
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      values.append(i == 0 ? "" : ",").append("Patient/").append(i);
    }
    FhirHttp.Response response =
        fhir.post(
            "Appointment/_search",
            "patient=" + values,
            "application/x-www-form-urlencoded",
            java.util.Map.of());
    assertThat(response.status()).as(response.toString()).isEqualTo(400);
    assertThat(response.diagnostics()).contains("at most 1000");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "Observation?value-quantity=%225%22; value-quantity",
        "Observation?value-quantity=ge5x|http://unitsofmeasure.org|mg; value-quantity",
        "RiskAssessment?probability=high; probability",
        "Appointment?date=2026-13-45; date",
        "Appointment?date=yesterday; date",
        "Appointment?date=ge2026-02-30T25:00:00Z; date",
        "Patient?_count=abc; _count",
        "Patient?_count=-1; _count",
        "Encounter?date=%222026-01-01%22; date"
      })
  void refusesMalformedNumbersDatesAndQuantitiesWith400(String search, String parameter) {
    FhirHttp.Response response = fhir.get(search);
    assertThat(response.status()).as(response.toString()).isEqualTo(400);
    assertThat(response.diagnostics()).contains(parameter);
    assertThat(response.outcome().getIssueFirstRep().getExpression())
        .extracting(Object::toString)
        .contains(parameter);
  }

  @ParameterizedTest
  @CsvSource({
    "Observation?value-quantity=5||mg",
    "Observation?value-quantity=ge5.4|http://unitsofmeasure.org|mg",
    "Appointment?date=ge2026-01-01&date=lt2026-02",
    "Appointment?date=2026-01-01T09:00:00Z",
    "Patient?_count=0",
    "Patient?birthdate:missing=true"
  })
  void acceptsWellFormedValues(String search) {
    FhirHttp.Response response = fhir.get(search);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
  }

  @Test
  void acceptsAnUnencodedBarInATokenSearch() throws Exception {
    String token = new SmartAuth(port).clientToken("system/*.cruds");
    try (Socket socket = new Socket("localhost", port)) {
      String request =
          "GET /fhir/Patient?identifier=urn:x|y&_count=1 HTTP/1.1\r\nHost: localhost\r\n"
              + "Authorization: Bearer "
              + token
              + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(answer).startsWith("HTTP/1.1 200");
    }
  }
}
