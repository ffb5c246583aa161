package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.grouptherapy.support.Fixtures.therapyGroup;

import ca.uhn.fhir.context.FhirContext;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Resources that claim the therapy-group profile are validated on every write. */
@IntegrationTest
class ProfileValidationIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  String organization;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    organization = fhir.create("Organization", new Organization().setName("Validation practice"));
  }

  @Test
  void acceptsAConformingTherapyGroup() {
    FhirHttp.Response response = fhir.post("Group", therapyGroup("Conforming", organization));
    assertThat(response.status()).as(response.toString()).isEqualTo(201);
  }

  @Test
  void rejectsAMissingRequiredElementNamingIt() {
    Group group = therapyGroup("No practice", organization);
    group.setManagingEntity(null);

    FhirHttp.Response response = fhir.post("Group", group);

    assertThat(response.status()).isEqualTo(422);
    OperationOutcome.OperationOutcomeIssueComponent issue = errorIssues(response).get(0);
    assertThat(issue.getDiagnostics())
        .contains("Group.managingEntity")
        .contains("minimum required = 1");
    assertThat(issue.getDiagnostics()).contains("therapy-group");
  }

  @Test
  void rejectsABrokenInvariantNamingTheRule() {
    Group group = therapyGroup("Inverted capacity", organization);
    var capacity = group.getExtensionByUrl(Fixtures.CAPACITY);
    capacity.getExtensionByUrl("minimum").setValue(new PositiveIntType(12));
    capacity.getExtensionByUrl("maximum").setValue(new PositiveIntType(8));

    FhirHttp.Response response = fhir.post("Group", group);

    assertThat(response.status()).isEqualTo(422);
    assertThat(errorIssues(response))
        .anySatisfy(
            issue -> {
              assertThat(issue.getDiagnostics()).contains("gt-cap-1");
              assertThat(issue.getExpression().get(0).getValue()).startsWith("Group.extension");
            });
  }

  @Test
  void rejectsACodeOutsideTheRequiredEnrolmentModes() {
    Group group = therapyGroup("Odd enrolment", organization);
    group
        .getExtensionByUrl(Fixtures.ENROLMENT_MODE)
        .setValue(new org.hl7.fhir.r4.model.CodeType("rolling"));

    FhirHttp.Response response = fhir.post("Group", group);

    assertThat(response.status()).isEqualTo(422);
    assertThat(response.diagnostics()).contains("rolling");
  }

  @Test
  void rejectsAnUpdateOrPatchThatBreaksTheProfileAndKeepsTheStoredVersion() {
    String id = fhir.create("Group", therapyGroup("Will stay valid", organization));
    Group stored = fhir.get(id).resource(Group.class);
    stored.setName(null);

    assertThat(fhir.put(id, stored).status()).isEqualTo(422);
    FhirHttp.Response patch =
        fhir.patch(
            id,
            "[{\"op\":\"remove\",\"path\":\"/managingEntity\"}]",
            "application/json-patch+json");
    assertThat(patch.status()).isEqualTo(422);

    Group after = fhir.get(id).resource(Group.class);
    assertThat(after.getMeta().getVersionId()).isEqualTo("1");
    assertThat(after.getName()).isEqualTo("Will stay valid");
  }

  @Test
  void leavesResourcesWithoutAProjectProfileToPlainR4() {
    Group plain = new Group().setType(Group.GroupType.PERSON).setActual(true);
    plain.addIdentifier().setSystem(Fixtures.TEST_SYSTEM).setValue(Fixtures.uniqueId());
    assertThat(fhir.post("Group", plain).status()).isEqualTo(201);
  }

  @Test
  void servesTheProfileWithASnapshot() {
    var profile =
        fhir.get("StructureDefinition?url=" + Fixtures.THERAPY_GROUP).resource(Bundle.class);
    var sd = (org.hl7.fhir.r4.model.StructureDefinition) profile.getEntryFirstRep().getResource();
    assertThat(sd.getSnapshot().getElement()).isNotEmpty();
    assertThat(sd.getSnapshot().getElement())
        .anySatisfy(e -> assertThat(e.getId()).isEqualTo("Group.extension:capacity"));
  }

  private static java.util.List<OperationOutcome.OperationOutcomeIssueComponent> errorIssues(
      FhirHttp.Response response) {
    return response.outcome().getIssue().stream()
        .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .toList();
  }
}
