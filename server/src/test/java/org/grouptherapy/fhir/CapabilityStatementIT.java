package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.RawHttp;
import org.grouptherapy.support.SmartAuth;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.OperationDefinition;
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

  /** The CapabilityStatement's definition links resolve on this server, by id as by search. */
  @Test
  void readsEveryOwnOperationDefinitionById() {
    FhirHttp fhir = new FhirHttp(port, fhirContext);
    for (OperationDefinition definition : conformancePackage.operationDefinitions()) {
      FhirHttp.Response read = fhir.get("OperationDefinition/" + definition.getIdPart());
      assertThat(read.status()).as(definition.getIdPart()).isEqualTo(200);
      OperationDefinition served = read.resource(OperationDefinition.class);
      assertThat(served.getUrl()).isEqualTo(definition.getUrl());
      assertThat(served.getCode()).isEqualTo(definition.getCode());
      Bundle found =
          fhir.get("OperationDefinition?url=" + definition.getUrl()).resource(Bundle.class);
      assertThat(found.getEntry())
          .extracting(e -> e.getResource().getIdElement().getIdPart())
          .containsExactly(definition.getIdPart());
    }
    assertThat(fhir.get("OperationDefinition/no-such-operation").status()).isEqualTo(404);
  }

  /**
   * Links name the server's public URL whoever asks first and whatever Host they send (HAPI caches
   * the statement).
   */
  @Test
  void namesThePublicUrlWhateverHostTheCallerSends() throws Exception {
    String token = new SmartAuth(port).clientToken("system/*.cruds");
    for (String host : new String[] {"attacker.example", "127.0.0.1:" + port}) {
      RawHttp.Response response =
          RawHttp.send(
              port,
              "GET /fhir/metadata HTTP/1.1",
              Map.of("Host", host, "Authorization", "Bearer " + token));
      CapabilityStatement statement =
          fhirContext.newJsonParser().parseResource(CapabilityStatement.class, response.body());
      assertThat(statement.getImplementation().getUrl())
          .isEqualTo("http://localhost:" + port + "/fhir");
      RawHttp.Response search =
          RawHttp.send(
              port,
              "GET /fhir/Group?_count=1 HTTP/1.1",
              Map.of("Host", host, "Authorization", "Bearer " + token));
      assertThat(fhirContext.newJsonParser().parseResource(Bundle.class, search.body()).getLink())
          .allSatisfy(l -> assertThat(l.getUrl()).startsWith("http://localhost:" + port + "/fhir"));
    }
  }

  /**
   * The statement validates against R4 with no errors: only sub-extensions oauth-uris defines in
   * R4, and no resource counts under an extension no validator can resolve.
   */
  @Test
  void validatesAgainstTheBaseSpecification() {
    CapabilityStatement metadata = metadata();
    PrePopulatedValidationSupport packageSupport = new PrePopulatedValidationSupport(fhirContext);
    conformancePackage.resources().forEach(packageSupport::addResource);
    FhirValidator validator = fhirContext.newValidator();
    FhirInstanceValidator instanceValidator =
        new FhirInstanceValidator(
            new ValidationSupportChain(
                packageSupport,
                new DefaultProfileValidationSupport(fhirContext),
                new InMemoryTerminologyServerValidationSupport(fhirContext),
                new CommonCodeSystemsTerminologyService(fhirContext),
                new SnapshotGeneratingValidationSupport(fhirContext)));
    instanceValidator.setAnyExtensionsAllowed(false);
    validator.registerValidatorModule(instanceValidator);
    ValidationResult result = validator.validateWithResult(metadata);
    assertThat(result.getMessages())
        .filteredOn(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
        .extracting(m -> m.getLocationString() + ": " + m.getMessage())
        .isEmpty();
    assertThat(
            metadata.getRestFirstRep().getSecurity().getExtension().get(0).getExtension().stream()
                .map(e -> e.getUrl()))
        .containsExactly("authorize", "token");
    assertThat(fhirContext.newJsonParser().encodeResourceToString(metadata))
        .doesNotContain("resourceCount");
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
