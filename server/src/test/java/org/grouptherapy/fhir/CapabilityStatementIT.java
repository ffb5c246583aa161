package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** /fhir/metadata tells the truth about the software, profiles, search parameters, operations. */
@IntegrationTest
class CapabilityStatementIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired ConformancePackage conformancePackage;

  @Test
  void namesTheSoftwareAndItsVersion() {
    CapabilityStatement metadata = metadata();
    assertThat(metadata.getSoftware().getName()).isEqualTo("Group Therapy FHIR Server");
    assertThat(metadata.getSoftware().getVersion()).isNotBlank().isNotEqualTo("development");
    assertThat(metadata.getFhirVersion().toCode()).isEqualTo("4.0.1");
    assertThat(metadata.getFormat())
        .extracting(f -> f.getValue())
        .contains("application/fhir+json");
  }

  @Test
  void listsTheProjectsProfilesAndSearchParameters() {
    CapabilityStatementRestResourceComponent group = resource(metadata(), "Group");
    assertThat(group.getSupportedProfile())
        .extracting(p -> p.getValue())
        .contains(Fixtures.THERAPY_GROUP);
    assertThat(group.getSearchParam()).extracting(p -> p.getName()).contains("enrolment-mode");
    conformancePackage
        .searchParameters()
        .forEach(
            sp ->
                sp.getBase()
                    .forEach(
                        base ->
                            assertThat(resource(metadata(), base.getCode()).getSearchParam())
                                .extracting(p -> p.getName())
                                .contains(sp.getCode())));
  }

  @Test
  void listsTheBulkExportAndSystemOperations() {
    CapabilityStatement metadata = metadata();
    assertThat(metadata.getRestFirstRep().getOperation())
        .extracting(o -> o.getName())
        .contains("export", "export-poll-status");
    assertThat(resource(metadata, "Patient").getOperation())
        .extracting(o -> o.getName())
        .contains("everything", "validate");
    java.util.Set<String> declared = new java.util.HashSet<>();
    metadata.getRestFirstRep().getOperation().forEach(o -> declared.add(o.getName()));
    metadata
        .getRestFirstRep()
        .getResource()
        .forEach(r -> r.getOperation().forEach(o -> declared.add(o.getName())));
    conformancePackage
        .operationDefinitions()
        .forEach(od -> assertThat(declared).contains(od.getCode()));
  }

  @Test
  void customOperationsPointAtTheirOperationDefinitions() {
    CapabilityStatement metadata = metadata();
    for (var definition : conformancePackage.operationDefinitions()) {
      for (var type : definition.getResource()) {
        assertThat(resource(metadata, type.getValue()).getOperation())
            .as("%s on %s", definition.getCode(), type.getValue())
            .anySatisfy(
                o -> {
                  assertThat(o.getName()).isEqualTo(definition.getCode());
                  assertThat(o.getDefinition()).isEqualTo(definition.getUrl());
                });
      }
    }
  }

  private CapabilityStatement metadata() {
    return new FhirHttp(port, fhirContext).get("metadata").resource(CapabilityStatement.class);
  }

  private static CapabilityStatementRestResourceComponent resource(
      CapabilityStatement metadata, String type) {
    return metadata.getRestFirstRep().getResource().stream()
        .filter(r -> r.getType().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("No " + type + " in the CapabilityStatement"));
  }
}
