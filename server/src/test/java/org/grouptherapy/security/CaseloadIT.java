package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A therapist's caseload comes from assignments made by someone entitled to make them (a VA's
 * screening, an administrator's group facilitation), never from the therapist's own writes; every
 * change is audited.
 */
@IntegrationTest
class CaseloadIT {

  private static final String OKAFOR = "Practitioner/practitioner-okafor";
  private static final String SCOPES = "openid fhirUser user/*.cruds";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  SmartAuth auth;
  FhirHttp system;

  @BeforeEach
  void setUp() {
    auth = new SmartAuth(port);
    system = new FhirHttp(port, fhirContext);
  }

  private FhirHttp as(String user) {
    return new FhirHttp(port, fhirContext, auth.userToken(user, SCOPES));
  }

  @Test
  void aTherapistsOwnAppointmentDoesNotWidenTheirAccess() {
    String patient = system.create("Patient", Fixtures.patient("Stranger"));
    String condition = system.create("Condition", condition(patient));
    FhirHttp therapist = as("therapist1");

    FhirHttp.Response booked = therapist.post("Appointment", appointment(patient));
    assertThat(booked.status()).as("a therapist still books their own work").isEqualTo(201);

    FhirHttp.Response search = therapist.get("Condition?subject=" + patient);
    assertThat(search.status()).as(search.toString()).isEqualTo(403);
    assertThat(therapist.get(condition).status()).isEqualTo(403);
    FhirHttp.Response all = therapist.get("Condition?code=F41.1&_count=500");
    assertThat(all.status()).isEqualTo(200);
    assertThat(ids(all)).doesNotContain(condition);
  }

  @Test
  void aTherapistReadsNoClaimOutsideTheirCaseloadForClaimsCarryDiagnoses() {
    String patient = system.create("Patient", Fixtures.patient("Claimstranger"));
    Coverage coverage = new Coverage();
    coverage.setStatus(Coverage.CoverageStatus.ACTIVE);
    coverage.setBeneficiary(new Reference(patient));
    coverage.addPayor(new Reference("Organization/riverbend"));
    String coverageId = system.create("Coverage", coverage);
    Claim claim = new Claim();
    claim.setStatus(Claim.ClaimStatus.DRAFT);
    claim
        .getType()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/claim-type")
        .setCode("professional");
    claim.setUse(Claim.Use.CLAIM);
    claim.setPatient(new Reference(patient));
    claim.setCreated(new java.util.Date());
    claim.setProvider(new Reference("Organization/riverbend"));
    claim
        .getPriority()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/processpriority")
        .setCode("normal");
    claim.addInsurance().setSequence(1).setFocal(true).setCoverage(new Reference(coverageId));
    claim
        .addDiagnosis()
        .setSequence(1)
        .setDiagnosis(
            new org.hl7.fhir.r4.model.CodeableConcept()
                .addCoding(
                    new org.hl7.fhir.r4.model.Coding(
                        "http://hl7.org/fhir/sid/icd-10-cm", "F33.1", null)));
    String claimId = system.create("Claim", claim);
    FhirHttp therapist = as("therapist1");

    FhirHttp.Response read = therapist.get(claimId);
    assertThat(read.status()).isEqualTo(403);
    assertThat(read.diagnostics())
        .contains("reading " + claimId)
        .contains("only for the members of their caseload")
        .contains("You hold: role therapist; scopes")
        .doesNotContain("HAPI-0334");
    FhirHttp.Response all = therapist.get("Claim?_count=500");
    assertThat(all.status()).isEqualTo(200);
    assertThat(ids(all)).doesNotContain(claimId);
    FhirHttp.Response summary =
        therapist.get(
            "Appointment/" + OperationNames.BILLING_SUMMARY + "?start=2026-01-01&end=2026-01-31");
    assertThat(summary.status()).as("practice-wide billing is not a therapist's").isEqualTo(403);
    // The refusal names who the operation is for (its permit) and what the caller holds.
    assertThat(summary.diagnostics())
        .contains("$billing-summary on Appointment")
        .contains("a VA, a biller or an administrator")
        .contains("role therapist");
    assertThat(as("va").get(claimId).status()).isEqualTo(200);
  }

  @Test
  void aTherapistCannotMakeThemselvesAFacilitatorOrAddMembers() {
    FhirHttp therapist = as("therapist1");
    Group grief = system.get("Group/group-grief-support").resource(Group.class);
    Extension facilitator =
        grief
            .addExtension()
            .setUrl("http://grouptherapy.example.org/fhir/StructureDefinition/group-facilitator");
    facilitator.addExtension("practitioner", new Reference(OKAFOR));
    FhirHttp.Response put = therapist.put("Group/group-grief-support", grief);
    assertThat(put.status()).as(put.toString()).isEqualTo(403);

    Group own = Fixtures.therapyGroup("Mine", "Organization/riverbend");
    assertThat(therapist.post("Group", own).status()).isEqualTo(403);

    String patient = system.create("Patient", Fixtures.patient("Outsider"));
    FhirHttp.Response add =
        therapist.post(
            "Group/group-dbt-monday/" + OperationNames.MEMBER_ADD,
            "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\","
                + "\"valueReference\":{\"reference\":\""
                + patient
                + "\"}}]}");
    assertThat(add.status()).as(add.toString()).isEqualTo(403);

    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    transaction
        .addEntry()
        .setResource(grief)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.PUT)
        .setUrl("Group/group-grief-support");
    FhirHttp.Response sneaked = therapist.post("", transaction);
    assertThat(sneaked.status()).as(sneaked.toString()).isEqualTo(403);
    assertThat(therapist.get("Group/group-grief-support").status()).isEqualTo(200);
  }

  @Test
  void aScreeningBookedByAVaAssignsCareAndEveryChangeIsAudited() {
    String patient = system.create("Patient", Fixtures.patient("Screened"));
    String condition = system.create("Condition", condition(patient));
    FhirHttp therapist = as("therapist1");
    FhirHttp va = as("va");
    assertThat(therapist.get(condition).status()).isEqualTo(403);

    FhirHttp.Response booked = va.post("Appointment", appointment(patient));
    assertThat(booked.status()).as(booked.toString()).isEqualTo(201);
    Appointment screening = booked.resource(Appointment.class);

    FhirHttp.Response search = therapist.get("Condition?subject=" + patient);
    assertThat(search.status()).as(search.toString()).isEqualTo(200);
    assertThat(ids(search)).containsExactly(condition);
    assertThat(therapist.get(condition).status()).isEqualTo(200);

    // The VA takes the patient off the appointment: the therapist's access ends with it.
    screening.getParticipant().removeIf(p -> p.getActor().getReference().equals(patient));
    FhirHttp.Response changed =
        va.put("Appointment/" + screening.getIdElement().getIdPart(), screening);
    assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
    assertThat(therapist.get(condition).status()).isEqualTo(403);

    FhirHttp admin = as("admin");
    Bundle trail =
        admin
            .get("AuditEvent?subtype=caseload-change&entity=" + OKAFOR + "&_count=100")
            .resource(Bundle.class);
    List<AuditEvent> changes =
        trail.getEntry().stream()
            .map(e -> (AuditEvent) e.getResource())
            .filter(
                e ->
                    e.getEntity().stream()
                        .anyMatch(
                            x ->
                                x.getWhat().getReference() != null
                                    && x.getWhat().getReference().equals(patient)))
            .toList();
    assertThat(changes)
        .extracting(e -> e.getAction().toCode())
        .as("the patient entered, then left the caseload")
        .containsExactlyInAnyOrder("C", "D");
    assertThat(changes)
        .allSatisfy(
            e ->
                assertThat(e.getAgentFirstRep().getWho().getIdentifier().getValue())
                    .isEqualTo("va"));
  }

  private Appointment appointment(String patient) {
    Appointment appointment = new Appointment();
    appointment.setStatus(Appointment.AppointmentStatus.BOOKED);
    appointment.setDescription("Screening");
    int day = ThreadLocalRandom.current().nextInt(1, 28);
    int hour = ThreadLocalRandom.current().nextInt(0, 23);
    String start = String.format("2031-%02d-%02dT%02d:00:00Z", 1 + day % 12, day, hour);
    appointment.getStartElement().setValueAsString(start);
    appointment.getEndElement().setValueAsString(start.replace(":00:00Z", ":45:00Z"));
    appointment
        .addParticipant()
        .setActor(new Reference(OKAFOR))
        .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    appointment
        .addParticipant()
        .setActor(new Reference(patient))
        .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    return appointment;
  }

  private static Condition condition(String patient) {
    Condition condition = new Condition();
    condition.setSubject(new Reference(patient));
    condition.getCode().addCoding().setSystem("http://hl7.org/fhir/sid/icd-10-cm").setCode("F41.1");
    condition
        .getCategoryFirstRep()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-category")
        .setCode("encounter-diagnosis");
    return condition;
  }

  private static List<String> ids(FhirHttp.Response response) {
    return response.resource(Bundle.class).getEntry().stream()
        .map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
        .toList();
  }
}
