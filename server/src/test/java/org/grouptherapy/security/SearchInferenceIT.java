package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.stream.Stream;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A search may not reveal through its criteria what its results would not: probes of the demo
 * practice by a VA, a therapist about people outside their caseload, a biller and a patient about
 * their co-members. Each is refused naming the parameter, or answers no more than the caller may
 * read.
 */
@IntegrationTest
class SearchInferenceIT {

  /** A member of therapist1's (Okafor's) DBT group, and patient1 themself. */
  private static final String SELF = "Patient/patient-RB100200";

  /** A co-member of patient1 in the DBT group. */
  private static final String CO_MEMBER = "Patient/patient-RB100217";

  /** A member of the grief group, outside therapist1's caseload. */
  private static final String STRANGER = "Patient/patient-RB100608";

  private static final String USER_SCOPE = "openid fhirUser user/*.rs";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  SmartAuth auth;
  FhirHttp admin;

  @BeforeEach
  void setUp() {
    auth = new SmartAuth(port);
    admin = new FhirHttp(port, fhirContext);
  }

  private FhirHttp as(String user) {
    return new FhirHttp(port, fhirContext, auth.userToken(user, USER_SCOPE));
  }

  static Stream<Arguments> refused() {
    return Stream.of(
            // who, search, the parameter named in the refusal
            new String[] {"va", "Patient?_has:Condition:subject:code=F60.3", "_has:Condition"},
            new String[] {"va", "Patient?_has:Flag:subject:code=clinician-review", "_has:Flag"},
            new String[] {
              "va", "Patient?_has:Observation:subject:code=44261-6", "_has:Observation"
            },
            new String[] {
              "va", "Appointment?patient._has:Condition:subject:code=F60.3", "patient._has"
            },
            new String[] {"va", "Group?member._has:Condition:subject:code=F60.3", "member._has"},
            new String[] {"va", "Patient?_revinclude=Condition:subject", "_revinclude"},
            new String[] {"va", "Encounter?_include=Encounter:diagnosis", "_include"},
            new String[] {"va", "Encounter?diagnosis.code=F60.3", "diagnosis.code"},
            new String[] {"va", "Patient?_filter=name%20eq%20x", "_filter"},
            new String[] {
              "therapist1", "Patient?_has:Condition:subject:code=F60.3", "_has:Condition"
            },
            new String[] {
              "therapist1", "Patient?_has:QuestionnaireResponse:subject:status=completed", "_has"
            },
            new String[] {"therapist1", "Encounter?diagnosis.code=F60.3", "diagnosis.code"},
            new String[] {"biller", "Patient?_has:Condition:subject:code=F60.3", "_has:Condition"},
            new String[] {
              "biller", "Encounter?_revinclude=DocumentReference:encounter", "_revinclude"
            },
            new String[] {
              "biller", "Claim?patient._has:Flag:subject:status=active", "patient._has"
            },
            new String[] {"patient1", "Appointment?actor:Patient.name=Baker", "actor:Patient.name"},
            new String[] {"patient1", "Appointment?patient=" + CO_MEMBER, "patient"},
            new String[] {"patient1", "Group?member=" + CO_MEMBER, "member"},
            new String[] {"patient1", "Patient?_has:Group:member:_id=group-dbt-monday", "_has"},
            new String[] {"patient1", "Encounter?subject.name=Baker", "subject.name"})
        .map(p -> Arguments.of(p[0], p[1], p[2]));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("refused")
  void criteriaOnWhatTheCallerMayNotReadAreRefusedNamingTheParameter(
      String user, String search, String parameter) {
    FhirHttp.Response response = as(user).get(search);
    assertThat(response.status()).as(response.toString()).isEqualTo(403);
    assertThat(response.diagnostics()).contains(parameter);
  }

  @Test
  void aTherapistCountsOnlyTheirCaseloadsDiagnoses() {
    int mine = total(as("therapist1").get("Condition?_summary=count"));
    int caseload =
        total(admin.get("Condition?_summary=count&subject:Patient.identifier=" + dbtMembers()));
    int practice = total(admin.get("Condition?_summary=count"));
    assertThat(mine).isEqualTo(caseload).isLessThan(practice);
    for (String search :
        List.of(
            "Condition?subject=" + STRANGER,
            "Condition?patient=" + STRANGER,
            "Condition?subject:Patient=" + STRANGER.substring("Patient/".length()),
            "Condition?subject=" + SELF + "," + STRANGER)) {
      FhirHttp.Response stranger = as("therapist1").get(search);
      assertThat(stranger.status()).as(search + " " + stranger).isEqualTo(403);
      assertThat(stranger.diagnostics()).contains("not allowed", STRANGER.substring(8));
    }
    FhirHttp.Response own = as("therapist1").get("Condition?subject=" + SELF + "&patient=" + SELF);
    assertThat(own.status()).as("naming one's own patient twice is no error").isEqualTo(200);
  }

  @Test
  void aPatientCountsOnlyTheirOwnSessions() {
    int mine = total(as("patient1").get("Appointment?_summary=count"));
    int own = total(admin.get("Appointment?_summary=count&patient=" + SELF));
    assertThat(mine).isEqualTo(own).isPositive();
  }

  @Test
  void aSearchSavedForStaffShowsAPatientOnlyTheirOwn() {
    // Staff ask first, twice: the search is saved and reused (nothing written in between).
    String query = "Appointment?_count=5";
    int practice = total(admin.get(query));
    admin.get(query);

    FhirHttp.Response mine = as("patient1").get(query);

    assertThat(mine.status()).as(mine.toString()).isEqualTo(200);
    int own = total(admin.get("Appointment?_summary=count&patient=" + SELF));
    assertThat(total(mine)).isEqualTo(own).isLessThan(practice);
    for (Bundle.BundleEntryComponent entry : mine.resource(Bundle.class).getEntry()) {
      assertThat(entry.getResource()).isInstanceOf(org.hl7.fhir.r4.model.Appointment.class);
      assertThat(((org.hl7.fhir.r4.model.Appointment) entry.getResource()).getParticipant())
          .extracting(p -> p.getActor().getReference())
          .filteredOn(reference -> reference != null && reference.startsWith("Patient/"))
          .containsOnly(SELF);
    }
  }

  @Test
  void includedResourcesTheCallerMayNotReadAreLeftOutNotRefused() {
    FhirHttp.Response sessions =
        as("patient1").get("Appointment?patient=" + SELF + "&_include=Appointment:actor");
    assertThat(sessions.status()).as(sessions.toString()).isEqualTo(200);
    List<String> patients =
        sessions.resource(Bundle.class).getEntry().stream()
            .map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
            .filter(id -> id.startsWith("Patient/"))
            .distinct()
            .toList();
    assertThat(patients).containsOnly(SELF);

    FhirHttp.Response provenance =
        as("patient1").get("Encounter?subject=" + SELF + "&_revinclude=Provenance:target");
    assertThat(provenance.status()).as(provenance.toString()).isEqualTo(200);
    for (Bundle.BundleEntryComponent entry : provenance.resource(Bundle.class).getEntry()) {
      if (entry.getResource() instanceof Provenance p) {
        assertThat(p.getTarget())
            .extracting(Reference::getReference)
            .allSatisfy(target -> assertThat(target).doesNotContain(CO_MEMBER));
      }
    }
  }

  private static String dbtMembers() {
    StringBuilder ids = new StringBuilder();
    for (String mrn :
        List.of(
            "100200", "100217", "100234", "100251", "100268", "100285", "100302", "100319",
            "100336")) {
      if (ids.length() > 0) {
        ids.append(',');
      }
      ids.append("http://grouptherapy.example.org/identifiers/patient|patient-RB").append(mrn);
    }
    return ids.toString();
  }

  private static int total(FhirHttp.Response response) {
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return response.resource(Bundle.class).getTotal();
  }
}
