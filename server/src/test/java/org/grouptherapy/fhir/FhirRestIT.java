package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.grouptherapy.support.Fixtures.patient;
import static org.grouptherapy.support.Fixtures.session;
import static org.grouptherapy.support.Fixtures.therapyGroup;

import ca.uhn.fhir.context.FhirContext;
import java.time.Instant;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The FHIR REST API an EHR relies on, on Group and Appointment, over real HTTP. */
@IntegrationTest
class FhirRestIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  String organization;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    Organization practice = new Organization().setName("Test practice " + Fixtures.uniqueId());
    organization = fhir.create("Organization", practice);
  }

  @Test
  void createsReadsVersionsUpdatesPatchesAndDeletesAGroup() {
    String id = fhir.create("Group", therapyGroup("Tuesday process group", organization));

    Group read = fhir.get(id).resource(Group.class);
    assertThat(read.getName()).isEqualTo("Tuesday process group");
    assertThat(read.getMeta().getVersionId()).isEqualTo("1");

    read.setName("Tuesday evening process group");
    FhirHttp.Response updated = fhir.put(id, read);
    assertThat(updated.status()).isEqualTo(200);
    assertThat(fhir.get(id).resource(Group.class).getMeta().getVersionId()).isEqualTo("2");

    FhirHttp.Response patched =
        fhir.patch(
            id,
            "[{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"Renamed by patch\"}]",
            "application/json-patch+json");
    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);

    assertThat(fhir.get(id + "/_history/1").resource(Group.class).getName())
        .isEqualTo("Tuesday process group");
    assertThat(fhir.get(id).resource(Group.class).getName()).isEqualTo("Renamed by patch");

    Bundle history = fhir.get(id + "/_history").resource(Bundle.class);
    assertThat(history.getEntry()).hasSize(3);

    FhirHttp.Response deleted = fhir.delete(id);
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
    FhirHttp.Response gone = fhir.get(id);
    assertThat(gone.status()).isEqualTo(410);
    assertThat(gone.outcome().getIssueFirstRep().getDiagnostics()).contains("deleted");
  }

  @Test
  void searchesSessionsWithIncludeRevincludeSortCountAndPaging() {
    String patientId = fhir.create("Patient", patient("Searchable"));
    String groupId = fhir.create("Group", therapyGroup("Search test group", organization));
    for (int day = 1; day <= 5; day++) {
      String start = "2031-03-0" + day + "T18:00:00-05:00";
      String end = "2031-03-0" + day + "T19:30:00-05:00";
      fhir.create("Appointment", session(groupId, patientId, start, end));
    }

    Bundle page =
        fhir.get(
                "Appointment?patient="
                    + patientId
                    + "&_sort=-date&_count=2&_include=Appointment:supporting-info"
                    + "&_include=Appointment:patient")
            .resource(Bundle.class);
    var sessions =
        page.getEntry().stream()
            .map(Bundle.BundleEntryComponent::getResource)
            .filter(Appointment.class::isInstance)
            .map(Appointment.class::cast)
            .toList();
    assertThat(sessions).hasSize(2);
    assertThat(sessions.get(0).getStart()).isAfter(sessions.get(1).getStart());
    assertThat(page.getEntry())
        .anySatisfy(e -> assertThat(e.getResource()).isInstanceOf(Group.class))
        .anySatisfy(e -> assertThat(e.getResource()).isInstanceOf(Patient.class));
    assertThat(page.getLink("next")).isNotNull();

    Bundle secondPage = fhir.get(page.getLink("next").getUrl()).resource(Bundle.class);
    assertThat(secondPage.getEntry().stream().filter(e -> e.getResource() instanceof Appointment))
        .hasSize(2);

    Bundle groupWithSessions =
        fhir.get("Group?_id=" + idPart(groupId) + "&_revinclude=Appointment:supporting-info")
            .resource(Bundle.class);
    assertThat(groupWithSessions.getEntry()).hasSize(6);

    Bundle byDate =
        fhir.get("Appointment?patient=" + patientId + "&date=ge2031-03-04").resource(Bundle.class);
    assertThat(byDate.getEntry()).hasSize(2);
  }

  @Test
  void findsTherapyGroupsByTheProjectsEnrolmentModeSearchParameter() {
    Group closed = therapyGroup("Closed cohort", organization);
    closed
        .getExtensionByUrl(Fixtures.ENROLMENT_MODE)
        .setValue(new org.hl7.fhir.r4.model.CodeType("closed"));
    String closedId = fhir.create("Group", closed);

    Bundle found =
        fhir.get("Group?managing-entity=" + organization + "&enrolment-mode=closed")
            .resource(Bundle.class);
    assertThat(found.getEntry())
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getResource().getIdElement().getIdPart()).isEqualTo(idPart(closedId)));
  }

  @Test
  void servesTypeInstanceAndSystemHistorySince() {
    Instant before = Instant.now().minusSeconds(1);
    String id = fhir.create("Patient", patient("Historic"));

    Bundle typeHistory = fhir.get("Patient/_history?_since=" + before).resource(Bundle.class);
    assertThat(typeHistory.getEntry())
        .anySatisfy(e -> assertThat(e.getFullUrl()).contains(idPart(id)));

    Bundle systemHistory = fhir.get("_history?_since=" + before).resource(Bundle.class);
    assertThat(systemHistory.getEntry())
        .anySatisfy(e -> assertThat(e.getFullUrl()).contains(idPart(id)));

    Bundle future = fhir.get("Patient/_history?_since=2999-01-01T00:00:00Z").resource(Bundle.class);
    assertThat(future.getEntry()).isEmpty();
  }

  @Test
  void conditionalCreateUpdateAndDeleteUseTheIdentifier() {
    Patient patient = patient("Conditional");
    String identifier = Fixtures.TEST_SYSTEM + "|" + patient.getIdentifierFirstRep().getValue();
    Map<String, String> ifNoneExist = Map.of("If-None-Exist", "identifier=" + identifier);

    FhirHttp.Response first =
        fhir.post("Patient", fhir.encode(patient), FhirHttp.FHIR_JSON, ifNoneExist);
    FhirHttp.Response second =
        fhir.post("Patient", fhir.encode(patient), FhirHttp.FHIR_JSON, ifNoneExist);
    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.resource(Patient.class).getIdElement().getIdPart())
        .isEqualTo(first.resource(Patient.class).getIdElement().getIdPart());

    patient.getNameFirstRep().setFamily("Conditionally-updated");
    FhirHttp.Response update = fhir.put("Patient?identifier=" + identifier, patient);
    assertThat(update.status()).as(update.toString()).isEqualTo(200);
    assertThat(fhir.get("Patient?identifier=" + identifier).resource(Bundle.class).getEntry())
        .singleElement()
        .satisfies(
            e ->
                assertThat(((Patient) e.getResource()).getNameFirstRep().getFamily())
                    .isEqualTo("Conditionally-updated"));

    FhirHttp.Response delete = fhir.delete("Patient?identifier=" + identifier);
    assertThat(delete.status()).as(delete.toString()).isEqualTo(200);
    assertThat(fhir.get("Patient?identifier=" + identifier).resource(Bundle.class).getEntry())
        .isEmpty();
  }

  @Test
  void transactionCreatesAGroupWithItsMembersAndSessionAtomically() {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Patient member = patient("Transactional");
    transaction
        .addEntry()
        .setFullUrl("urn:uuid:6b1f6d1e-0000-4000-8000-000000000001")
        .setResource(member)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl("Patient");
    Group group = therapyGroup("Transaction group", organization);
    group.addMember().setEntity(new Reference("urn:uuid:6b1f6d1e-0000-4000-8000-000000000001"));
    transaction
        .addEntry()
        .setFullUrl("urn:uuid:6b1f6d1e-0000-4000-8000-000000000002")
        .setResource(group)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl("Group");
    Appointment session =
        session(
            "urn:uuid:6b1f6d1e-0000-4000-8000-000000000002",
            "urn:uuid:6b1f6d1e-0000-4000-8000-000000000001",
            "2031-04-01T18:00:00-04:00",
            "2031-04-01T19:30:00-04:00");
    transaction
        .addEntry()
        .setResource(session)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl("Appointment");

    FhirHttp.Response response = fhir.post("", transaction);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    Bundle result = response.resource(Bundle.class);
    assertThat(result.getEntry())
        .allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));

    String groupId = result.getEntry().get(1).getResponse().getLocation();
    Group stored = fhir.get(groupId).resource(Group.class);
    assertThat(stored.getMemberFirstRep().getEntity().getReference())
        .isEqualTo(
            new Reference(result.getEntry().get(0).getResponse().getLocation())
                .getReferenceElement()
                .toUnqualifiedVersionless()
                .getValue());
  }

  @Test
  void batchReportsEachEntryOnItsOwn() {
    Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
    batch
        .addEntry()
        .setResource(patient("Batch"))
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl("Patient");
    batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient/does-not-exist");

    Bundle result = fhir.post("", batch).resource(Bundle.class);
    assertThat(result.getEntry().get(0).getResponse().getStatus()).startsWith("201");
    assertThat(result.getEntry().get(1).getResponse().getStatus()).startsWith("404");
  }

  @Test
  void validatesAgainstTheTherapyGroupProfileWithoutStoring() {
    Group invalid = therapyGroup("No practice", organization);
    invalid.setManagingEntity(null);

    FhirHttp.Response response = fhir.post("Group/$validate", fhir.encode(invalid));
    assertThat(response.status()).isIn(200, 412);
    assertThat(response.diagnostics()).contains("Group.managingEntity");
  }

  @Test
  void everythingReturnsThePatientsCompartment() {
    String patientId = fhir.create("Patient", patient("Everything"));
    String groupId = fhir.create("Group", therapyGroup("Everything group", organization));
    fhir.create(
        "Appointment", session(groupId, patientId, "2031-05-01T18:00:00Z", "2031-05-01T19:00:00Z"));

    Bundle everything = fhir.get(patientId + "/$everything").resource(Bundle.class);
    assertThat(everything.getEntry())
        .anySatisfy(e -> assertThat(e.getResource()).isInstanceOf(Patient.class))
        .anySatisfy(e -> assertThat(e.getResource()).isInstanceOf(Appointment.class));
  }

  @Test
  void describesTheApiInOpenApi() {
    FhirHttp.Response docs = fhir.get("/fhir/api-docs", Map.of("Accept", "application/yaml"));
    assertThat(docs.status()).isEqualTo(200);
    assertThat(docs.body())
        .contains("openapi: 3")
        .contains("/Group/{id}:")
        .contains("/Appointment:");
  }

  @Test
  void valueSetExpansionListsTheModalities() {
    FhirHttp.Response expansion =
        fhir.get("ValueSet/$expand?url=" + Fixtures.BASE + "/ValueSet/group-modality");
    assertThat(expansion.status()).as(expansion.toString()).isEqualTo(200);
    assertThat(expansion.body())
        .contains("dbt-skills")
        .contains("multi-family")
        .contains("psychoeducation");
  }

  private static String idPart(String reference) {
    return reference.substring(reference.indexOf('/') + 1);
  }
}
