package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.RawHttp;
import org.grouptherapy.support.SmartAuth;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What R4 forbids is refused with 400 naming the element, and nothing of it is stored; every error
 * under /fhir, also those Tomcat or the firewall answer before FHIR sees the request, is an
 * OperationOutcome in the format asked for; searches written as the specification writes them (an
 * unencoded {@code |}) work.
 */
@IntegrationTest
class StrictFhirIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  String token;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    token = new SmartAuth(port).clientToken("system/*.cruds");
  }

  @Test
  void refusesNullsEmptyValuesAndUnknownElementsNamingThem() {
    String family = "Strict-" + Fixtures.uniqueId();
    Map<String, String> bodies =
        Map.of(
            "Patient.gender", "\"gender\":null",
            "Patient.telecom", "\"telecom\":[]",
            "Patient.maritalStatus", "\"maritalStatus\":{}",
            "Patient.birthDate", "\"birthDate\":\"\"",
            "Patient.contact[0].name.given[1]", "\"contact\":[{\"name\":{\"given\":[\"A\",null]}}]",
            "'nickname'", "\"nickname\":\"Al\"");
    bodies.forEach(
        (element, json) -> {
          FhirHttp.Response response =
              fhir.post(
                  "Patient",
                  "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\""
                      + family
                      + "\"}],"
                      + json
                      + "}");
          assertThat(response.status()).as(element).isEqualTo(400);
          assertThat(response.outcome().getIssueFirstRep().getDiagnostics())
              .as(element)
              .contains(element);
        });
    assertThat(fhir.get("Patient?family=" + family).resource(Bundle.class).getEntry()).isEmpty();
  }

  @Test
  void acceptsANullThatHoldsThePlaceOfAPrimitivesExtension() {
    FhirHttp.Response response =
        fhir.post(
            "Patient",
            "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Ext\",\"given\":[\"A\",null],"
                + "\"_given\":[null,{\"extension\":[{\"url\":\"http://example.org/x\","
                + "\"valueString\":\"y\"}]}]}]}");
    assertThat(response.status()).isEqualTo(201);
  }

  @Test
  void refusesAnUnknownXmlElementInXml() {
    FhirHttp.Response response =
        fhir.post(
            "Patient",
            "<Patient xmlns=\"http://hl7.org/fhir\"><nickname value=\"Al\"/></Patient>",
            "application/fhir+xml",
            Map.of("Accept", "application/fhir+xml"));
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.body()).startsWith("<OperationOutcome").contains("nickname");
  }

  @Test
  void refusesAnOperationsParametersWithAnEmptyValue() {
    FhirHttp.Response response =
        fhir.post(
            "Appointment/$reconcile-attendance",
            "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"start\","
                + "\"valueDate\":null}]}");
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.diagnostics()).contains("Parameters.parameter[0].valueDate");
  }

  @Test
  void acceptsAnUnencodedBarInATokenSearch() throws IOException {
    RawHttp.Response response =
        raw("GET /fhir/Group?identifier=urn:x|g-" + Fixtures.uniqueId() + " HTTP/1.1");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).contains("\"searchset\"");
  }

  @Test
  void answersAMalformedUrlWithAnOperationOutcome() throws IOException {
    for (String line :
        new String[] {
          "GET /fhir/Patient/a%00b HTTP/1.1",
          "GET /fhir/Patient/a;b HTTP/1.1",
          "GET /fhir/Patient/..%2Fx HTTP/1.1",
          "GET /fhir/Patient?name=%zz HTTP/1.1",
          "GET /fhir/Patient?name=" + "a".repeat(20_000) + " HTTP/1.1"
        }) {
      RawHttp.Response response = raw(line);
      String shown = line.substring(0, Math.min(60, line.length()));
      assertThat(response.status()).as(shown).isEqualTo(400);
      assertThat(response.header("content-type")).as(shown).startsWith("application/fhir+json");
      assertThat(response.body())
          .as(shown)
          .contains("\"OperationOutcome\"")
          .doesNotContain("<html");
    }
  }

  @Test
  void answersInXmlWhenXmlIsAsked() throws IOException {
    RawHttp.Response response = raw("GET /fhir/Patient?_format=xml&name=%zz HTTP/1.1");
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.body()).startsWith("<OperationOutcome");
  }

  private RawHttp.Response raw(String requestLine) throws IOException {
    return RawHttp.send(port, requestLine, Map.of("Authorization", "Bearer " + token));
  }
}
