package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.Waits;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** FHIR Bulk Data export: async kick-off, status polling, NDJSON files. */
@IntegrationTest
class BulkExportIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;

  @Test
  void exportsGroupsAsNdjsonThroughTheAsyncPattern() throws Exception {
    FhirHttp fhir = new FhirHttp(port, fhirContext);
    Map<String, String> async =
        Map.of("Prefer", "respond-async", "Accept", "application/fhir+json");

    FhirHttp.Response kickOff = fhir.get("$export?_type=Group", async);
    assertThat(kickOff.status()).as(kickOff.toString()).isEqualTo(202);
    String statusUrl = kickOff.header("Content-Location").orElseThrow();

    FhirHttp.Response status =
        Waits.eventually()
            .until(
                () -> fhir.get(statusUrl),
                response -> {
                  if (response.status() == 202) {
                    assertThat(response.header("X-Progress")).isPresent();
                    return false;
                  }
                  return true;
                });
    assertThat(status.status()).as(status.toString()).isEqualTo(200);

    JsonNode manifest = new ObjectMapper().readTree(status.body());
    assertThat(manifest.get("requiresAccessToken").asBoolean()).isNotNull();
    JsonNode output = manifest.get("output");
    assertThat(output).isNotEmpty();
    assertThat(output.get(0).get("type").asText()).isEqualTo("Group");

    FhirHttp.Response file =
        fhir.get(output.get(0).get("url").asText(), Map.of("Accept", "application/fhir+ndjson"));
    assertThat(file.status()).isEqualTo(200);
    String[] lines = file.body().strip().split("\n");
    assertThat(lines.length).isGreaterThanOrEqualTo(6);
    for (String line : lines) {
      assertThat(new ObjectMapper().readTree(line).get("resourceType").asText()).isEqualTo("Group");
    }
  }

  @Test
  void exportsAGroupsMembersDataAndAllPatientsData() throws Exception {
    FhirHttp fhir = new FhirHttp(port, fhirContext);
    for (String kickOffUrl :
        List.of(
            "Group/group-dbt-monday/$export?_type=Patient,Encounter",
            "Patient/$export?_type=Patient")) {
      JsonNode manifest = completed(fhir, kickOffUrl);
      assertThat(manifest.get("output")).as(kickOffUrl).isNotEmpty();
      for (JsonNode file : manifest.get("output")) {
        assertThat(file.get("type").asText()).isIn("Patient", "Encounter");
      }
    }
  }

  @Test
  void refusesAGroupExportToAClientThatCannotReadGroups() {
    FhirHttp claimsOnly =
        new FhirHttp(
            port,
            fhirContext,
            new org.grouptherapy.support.SmartAuth(port).clientToken("system/Claim.rs"));
    FhirHttp.Response refused =
        claimsOnly.get(
            "Group/group-dbt-monday/$export?_type=Claim",
            Map.of("Prefer", "respond-async", "Accept", "application/fhir+json"));
    assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
  }

  private static JsonNode completed(FhirHttp fhir, String kickOffUrl) throws Exception {
    Map<String, String> async =
        Map.of("Prefer", "respond-async", "Accept", "application/fhir+json");
    FhirHttp.Response kickOff = fhir.get(kickOffUrl, async);
    assertThat(kickOff.status()).as(kickOffUrl + " " + kickOff).isEqualTo(202);
    String statusUrl = kickOff.header("Content-Location").orElseThrow();
    FhirHttp.Response status =
        Waits.eventually().until(() -> fhir.get(statusUrl), r -> r.status() != 202);
    assertThat(status.status()).as(status.toString()).isEqualTo(200);
    return new ObjectMapper().readTree(status.body());
  }
}
