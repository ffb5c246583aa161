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
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
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

  private static final AppProperties.Clearinghouse HOUSE =
      new AppProperties.Clearinghouse(
          "30", "043812345", "ZZ", "CLAIMSHOUSE01", "Claimshouse", "Billing office", "T");

  /** The practice, a payer of each kind and a therapist; claims add their members. */
  private static Map<String, Resource> practice() {
    Map<String, Resource> resources = new LinkedHashMap<>();
    Organization practice = new Organization().setName("Riverbend Group Therapy");
    practice.setId("Organization/1");
    practice.addIdentifier().setSystem(BillingCodes.NPI).setValue("1234567893");
    practice.addIdentifier().setSystem(X12ClaimChecks.EIN).setValue("04-3812345");
    practice
        .addTelecom()
        .setSystem(ContactPoint.ContactPointSystem.PHONE)
        .setValue("+1-617-555-0142");
    practice
        .addTelecom()
        .setSystem(ContactPoint.ContactPointSystem.EMAIL)
        .setValue("billing@riverbend.example.org");
    practice
        .addAddress()
        .addLine("12 River St")
        .setCity("Boston")
        .setState("MA")
        .setPostalCode("02110-1204");
    Organization payer = new Organization().setName("Harborline Health Plan");
    payer.setId("Organization/2");
    payer.addIdentifier().setSystem(BillingCodes.PAYER_ID).setValue("HRB01");
    Organization medicaid = new Organization().setName("Commonwealth Medicaid");
    medicaid.setId("Organization/6");
    medicaid.addIdentifier().setSystem(BillingCodes.PAYER_ID).setValue("MCD25");
    Practitioner therapist = new Practitioner();
    therapist.setId("Practitioner/3");
    therapist.addName().setFamily("Okafor").addGiven("Ada");
    therapist.addIdentifier().setSystem(BillingCodes.NPI).setValue("1987654321");
    for (Resource r : List.of(practice, payer, medicaid, therapist)) {
      resources.put(r.getIdElement().getValue(), r);
    }
    return resources;
  }

  private static String write(List<Claim> claims, Map<String, Resource> resources, long control) {
    return X12ClaimWriter.write(
        claims,
        resources,
        new X12ClaimWriter.Envelope(HOUSE, control, "PKG000123"),
        payer -> "MCD25".equals(payer) ? "MC" : "CI",
        WRITTEN);
  }

  @Test
  void writesThePackageExactlyAsTheGoldenFile() throws IOException {
    Map<String, Resource> resources = practice();
    Claim first = claim(resources, "4", "Rivera", "Sam", "F33.1", false);
    Claim second = claim(resources, "5", "Lee", "Kim", "F41.1", true);
    second.setInsurer(new Reference("Organization/6"));
    assertThat(X12ClaimChecks.problems(List.of(first, second), resources)).isEmpty();

    String written = write(List.of(first, second), resources, 123);

    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(GOLDEN, written, StandardCharsets.US_ASCII);
    }
    assertThat(written).isEqualTo(Files.readString(GOLDEN, StandardCharsets.US_ASCII));
  }

  /** The file read back with StAEDI says what the claims say, in a complete envelope. */
  @Test
  void aWrittenFileReadBackWithStaediMatchesTheClaims() throws Exception {
    Map<String, Resource> resources = practice();
    List<Claim> claims =
        List.of(
            claim(resources, "4", "Rivera", "Sam", "F33.1", false),
            claim(resources, "5", "Lee", "Kim", "F41.1", true));
    claims.get(1).setInsurer(new Reference("Organization/6"));
    String written = write(claims, resources, 987654321L);

    Map<String, List<List<String>>> segments = new LinkedHashMap<>();
    List<String> order = new java.util.ArrayList<>();
    for (List<String> segment : X12Segments.read(written, "837P", "837P")) {
      order.add(segment.get(0));
      segments
          .computeIfAbsent(segment.get(0), k -> new java.util.ArrayList<>())
          .add(segment.subList(1, segment.size()));
    }
    List<String> isa = segments.get("ISA").get(0);
    assertThat(isa.get(4)).isEqualTo("30");
    assertThat(isa.get(5).strip()).isEqualTo("043812345");
    assertThat(isa.get(7).strip()).isEqualTo("CLAIMSHOUSE01");
    assertThat(isa.get(12)).isEqualTo("987654321");
    assertThat(isa.get(14)).isEqualTo("T");
    assertThat(segments.get("GS").get(0).get(5)).isEqualTo("987654321");
    assertThat(segments.get("GE").get(0).get(1)).isEqualTo("987654321");
    assertThat(segments.get("IEA").get(0).get(1)).isEqualTo("987654321");
    // SE01 counts the segments from ST to SE.
    int st = order.indexOf("ST");
    int se = order.indexOf("SE");
    assertThat(segments.get("SE").get(0).get(0)).isEqualTo(String.valueOf(se - st + 1));
    assertThat(segments.get("REF").get(0)).containsExactly("EI", "043812345");
    assertThat(segments.get("PER").get(0))
        .containsExactly(
            "IC", "BILLING OFFICE", "TE", "6175550142", "EM", "billing@riverbend.example.org");
    assertThat(segments.get("N4").get(0)).containsExactly("BOSTON", "MA", "021101204");
    assertThat(segments.get("SBR").stream().map(s -> s.get(s.size() - 1)))
        .containsExactly("CI", "MC");
    assertThat(segments.get("CLM")).hasSize(2);
    for (int i = 0; i < claims.size(); i++) {
      Claim claim = claims.get(i);
      assertThat(segments.get("CLM").get(i).get(0))
          .isEqualTo(claim.getIdentifierFirstRep().getValue());
      assertThat(new BigDecimal(segments.get("CLM").get(i).get(1)))
          .isEqualByComparingTo(claim.getTotal().getValue());
      assertThat(segments.get("DTP").get(i).get(2))
          .isEqualTo(
              claim.getItemFirstRep().getServicedDateType().getValueAsString().replace("-", ""));
    }
  }

  @Test
  void aPackageAClearinghouseWouldRefuseIsNamedRuleByRule() {
    Map<String, Resource> resources = practice();
    Organization practice = (Organization) resources.get("Organization/1");
    practice.getIdentifier().removeIf(i -> X12ClaimChecks.EIN.equals(i.getSystem()));
    practice.getAddressFirstRep().setPostalCode("02110");
    practice.getTelecom().clear();
    Claim claim = claim(resources, "4", "Rivera", "Sam", "F33.1", false);
    ((Patient) resources.get("Patient/4")).setBirthDate(null);
    ((Coverage) resources.get("Coverage/c4")).setSubscriberId(null);

    assertThat(X12ClaimChecks.problems(List.of(claim), resources))
        .anyMatch(p -> p.contains("employer identification number"))
        .anyMatch(p -> p.contains("nine-digit ZIP code") && p.contains("02110"))
        .anyMatch(p -> p.contains("phone or email"))
        .anyMatch(p -> p.contains("Patient/4 needs a birth date"))
        .anyMatch(p -> p.contains("member id"))
        .hasSize(5);
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
