package org.grouptherapy.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/**
 * The 837P writer against a golden file: two claims of a package, written byte for byte as the file
 * under fixtures/billing. After a deliberate change to the writer, rewrite the file with {@code
 * -Dgolden.update=true} and read the difference before committing it.
 */
class X12ClaimWriterTest {

  private static final Path GOLDEN =
      Path.of("src/test/resources/fixtures/billing/package-837p.x12");
  private static final ZonedDateTime WRITTEN =
      ZonedDateTime.of(2026, 11, 30, 9, 15, 0, 0, ZoneId.of("America/New_York"));

  @Test
  void writesThePackageExactlyAsTheGoldenFile() throws IOException {
    Map<String, Resource> resources = new LinkedHashMap<>();
    Organization practice = new Organization().setName("Riverbend Group Therapy");
    practice.setId("Organization/1");
    practice.addIdentifier().setSystem(BillingCodes.NPI).setValue("1234567893");
    practice
        .addAddress()
        .addLine("12 River St")
        .setCity("Boston")
        .setState("MA")
        .setPostalCode("02110");
    Organization payer = new Organization().setName("Harborline Health Plan");
    payer.setId("Organization/2");
    payer.addIdentifier().setSystem(BillingCodes.PAYER_ID).setValue("HRB01");
    Practitioner therapist = new Practitioner();
    therapist.setId("Practitioner/3");
    therapist.addName().setFamily("Okafor").addGiven("Ada");
    therapist.addIdentifier().setSystem(BillingCodes.NPI).setValue("1987654321");
    for (Resource r : List.of(practice, payer, therapist)) {
      resources.put(r.getIdElement().getValue(), r);
    }
    Claim first = claim(resources, "4", "Rivera", "Sam", "F33.1", false);
    Claim second = claim(resources, "5", "Lee", "Kim", "F41.1", true);

    String written = X12ClaimWriter.write(List.of(first, second), resources, "PKG000123", WRITTEN);

    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(GOLDEN, written, StandardCharsets.US_ASCII);
    }
    assertThat(written).isEqualTo(Files.readString(GOLDEN, StandardCharsets.US_ASCII));
  }

  private static Claim claim(
      Map<String, Resource> resources,
      String id,
      String family,
      String given,
      String diagnosis,
      boolean telehealth) {
    Patient patient = new Patient();
    patient.setId("Patient/" + id);
    patient.addName().setFamily(family).addGiven(given);
    patient.setBirthDateElement(new DateType("1990-04-0" + id));
    patient.setGender(Enumerations.AdministrativeGender.FEMALE);
    patient
        .addAddress()
        .addLine(id + " Elm St")
        .setCity("Boston")
        .setState("MA")
        .setPostalCode("02115");
    Coverage coverage = new Coverage();
    coverage.setId("Coverage/c" + id);
    coverage.setSubscriberId("HRB-" + id);
    coverage.addPayor(new Reference("Organization/2"));
    resources.put(patient.getIdElement().getValue(), patient);
    resources.put(coverage.getIdElement().getValue(), coverage);

    Claim claim = new Claim();
    claim.setId("Claim/" + id + "0");
    claim.addIdentifier().setSystem(BillingCodes.MEMBER_SESSION_SYSTEM).setValue("77-" + id);
    claim.setPatient(new Reference(patient.getIdElement().getValue()));
    claim.setProvider(new Reference("Organization/1"));
    claim.setInsurer(new Reference("Organization/2"));
    claim
        .addInsurance()
        .setSequence(1)
        .setFocal(true)
        .setCoverage(new Reference("Coverage/c" + id));
    claim
        .addCareTeam()
        .setSequence(1)
        .setProvider(new Reference("Practitioner/3"))
        .setRole(
            new CodeableConcept(
                new Coding(
                    "http://terminology.hl7.org/CodeSystem/claimcareteamrole", "primary", null)));
    claim
        .addDiagnosis()
        .setSequence(1)
        .setDiagnosis(new CodeableConcept(new Coding(BillingCodes.ICD10, diagnosis, null)));
    Claim.ItemComponent item = claim.addItem().setSequence(1);
    item.setProductOrService(new CodeableConcept(new Coding(BillingCodes.CPT, "90853", null)));
    if (telehealth) {
      item.addModifier(new CodeableConcept(new Coding(BillingCodes.CPT, "95", null)));
    }
    item.setLocation(
        new CodeableConcept(new Coding(BillingCodes.POS, telehealth ? "10" : "11", null)));
    item.getQuantity().setValue(1);
    item.setNet(new Money().setValue(new BigDecimal("72.00")).setCurrency("USD"));
    item.addDiagnosisSequence(1);
    item.setServiced(new DateType("2026-11-1" + id));
    claim.setTotal(new Money().setValue(new BigDecimal("72.00")).setCurrency("USD"));
    return claim;
  }
}
