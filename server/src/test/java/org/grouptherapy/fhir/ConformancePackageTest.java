package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fhir-profiles package is well-formed: what the server loads at start cannot fail there. */
class ConformancePackageTest {

  static final FhirContext FHIR = FhirContext.forR4Cached();
  static ConformancePackage conformancePackage;
  static ValidationSupportChain support;

  @BeforeAll
  static void load() {
    conformancePackage = ConformancePackage.load(FHIR);
    PrePopulatedValidationSupport packageSupport = new PrePopulatedValidationSupport(FHIR);
    conformancePackage.resources().forEach(packageSupport::addResource);
    support =
        new ValidationSupportChain(
            packageSupport,
            new DefaultProfileValidationSupport(FHIR),
            new InMemoryTerminologyServerValidationSupport(FHIR),
            new CommonCodeSystemsTerminologyService(FHIR),
            new SnapshotGeneratingValidationSupport(FHIR));
  }

  @Test
  void namesEveryFileAfterItsResource() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("../fhir-profiles/package"))) {
      List<String> names =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> !n.equals("package.json"))
              .sorted()
              .toList();
      List<String> expected =
          conformancePackage.resources().stream()
              .map(r -> r.fhirType() + "-" + r.getIdPart() + ".json")
              .sorted()
              .toList();
      assertThat(names).isEqualTo(expected);
    }
  }

  @Test
  void givesEveryResourceACanonicalUrlUnderTheProjectBase() {
    for (MetadataResource resource : conformancePackage.resources()) {
      assertThat(resource.getUrl())
          .isEqualTo(
              ConformancePackage.CANONICAL_BASE
                  + "/"
                  + resource.fhirType()
                  + "/"
                  + resource.getIdPart());
      assertThat(resource.getStatus().toCode()).isEqualTo("active");
    }
  }

  @Test
  void generatesASnapshotForEveryStructureDefinition() {
    for (StructureDefinition sd : conformancePackage.structureDefinitions()) {
      StructureDefinition withSnapshot =
          (StructureDefinition)
              new SnapshotGeneratingValidationSupport(FHIR)
                  .generateSnapshot(
                      new ValidationSupportContext(support),
                      sd.copy(),
                      sd.getUrl(),
                      null,
                      sd.getName());
      assertThat(withSnapshot).as(sd.getUrl()).isNotNull();
      assertThat(withSnapshot.getSnapshot().getElement()).as(sd.getUrl()).isNotEmpty();
    }
  }

  /**
   * Differential elements come in the order of the base resource's elements, as the HL7 validator
   * requires (a profile with Claim.provider before Claim.insurer fails it).
   */
  @Test
  void keepsEveryDifferentialInTheBaseResourcesOrder() {
    DefaultProfileValidationSupport core = new DefaultProfileValidationSupport(FHIR);
    for (StructureDefinition sd : conformancePackage.structureDefinitions()) {
      StructureDefinition base =
          (StructureDefinition)
              core.fetchStructureDefinition(
                  "http://hl7.org/fhir/StructureDefinition/" + sd.getType());
      List<String> basePaths =
          base.getSnapshot().getElement().stream().map(e -> e.getPath()).toList();
      int previous = -1;
      String previousPath = null;
      for (var element : sd.getDifferential().getElement()) {
        String path = element.getPath();
        int index = basePaths.indexOf(path);
        while (index < 0 && path.contains(".")) {
          path = path.substring(0, path.lastIndexOf('.'));
          index = basePaths.indexOf(path);
        }
        assertThat(index)
            .as("%s: %s comes after %s", sd.getUrl(), element.getPath(), previousPath)
            .isGreaterThanOrEqualTo(previous);
        previous = index;
        previousPath = element.getPath();
      }
    }
  }

  /**
   * StructureDefinitions are checked by snapshot generation above: the validator's own check of a
   * profile resolves the core package by id, which the offline validator cannot.
   */
  @Test
  void validatesEveryOtherResourceAgainstTheBaseSpecification() {
    FhirValidator validator = FHIR.newValidator();
    validator.registerValidatorModule(new FhirInstanceValidator(support));
    for (MetadataResource resource : conformancePackage.resources()) {
      if (resource instanceof StructureDefinition) {
        continue;
      }
      ValidationResult result = validator.validateWithResult(resource);
      assertThat(result.getMessages())
          .as(resource.getUrl())
          .noneMatch(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal());
    }
  }

  @Test
  void knowsTheCommonGroupModalities() {
    CodeSystem modalities =
        conformancePackage.resources().stream()
            .filter(CodeSystem.class::isInstance)
            .map(CodeSystem.class::cast)
            .filter(cs -> cs.getIdPart().equals("group-modality"))
            .findFirst()
            .orElseThrow();
    assertThat(modalities.getConcept())
        .extracting(CodeSystem.ConceptDefinitionComponent::getCode)
        .contains("process", "psychoeducation", "dbt-skills", "support", "multi-family", "cbt");
  }
}
