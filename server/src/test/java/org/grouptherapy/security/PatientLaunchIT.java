package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * SMART standalone launch with launch/patient by staff: the server's patient picker, the patient in
 * the token, and the role's access narrowed to that one patient.
 */
@IntegrationTest
class PatientLaunchIT {

  static final String DEMO_IDS = "http://grouptherapy.example.org/identifiers";
  static final String SCOPE = "openid fhirUser launch/patient patient/*.rs";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  SmartAuth auth;
  FhirHttp system;
  FhirHttp anonymous;

  @BeforeEach
  void setUp() {
    auth = new SmartAuth(port);
    system = new FhirHttp(port, fhirContext);
    anonymous = new FhirHttp(port, fhirContext, null);
  }

  @Test
  void aTherapistPicksAMemberOfTheirCaseloadAndTheTokenSeesThatPatientOnly() {
    // therapist1 (Okafor) facilitates the DBT group; the grief group is Chen's.
    Group dbt = group("group-dbt-monday");
    String member = id(dbt.getMember().get(0).getEntity().getReference());
    String otherMember = id(dbt.getMember().get(1).getEntity().getReference());
    String stranger =
        id(group("group-grief-support").getMemberFirstRep().getEntity().getReference());

    JsonNode token =
        auth.launchPickingPatient(
            "therapist1",
            SCOPE,
            page -> {
              assertThat(page.patients()).contains(member, otherMember).doesNotContain(stranger);
              assertThat(page.body()).contains("Choose a patient");
              return member;
            });

    assertThat(token.get("patient").asText()).isEqualTo(member);
    assertThat(token.get("need_patient_banner").asBoolean()).isTrue();
    FhirHttp app = anonymous.withToken(token.get("access_token").asText());
    assertThat(app.get("Patient/" + member).status()).isEqualTo(200);
    assertThat(app.get("Observation?patient=" + member).status()).isEqualTo(200);
    assertThat(app.get("Patient/" + otherMember).status())
        .as("another member of the caseload is outside the launch context")
        .isEqualTo(403);
    assertThat(app.get("Patient/" + stranger).status()).isEqualTo(403);
  }

  @Test
  void aVaPicksAnyPatientButStillSeesNoClinicalContent() {
    String member = id(group("group-grief-support").getMemberFirstRep().getEntity().getReference());
    JsonNode token =
        auth.launchPickingPatient(
            "va",
            SCOPE,
            page -> {
              assertThat(page.patients()).isNotEmpty();
              return member;
            });

    assertThat(token.get("patient").asText()).isEqualTo(member);
    FhirHttp app = anonymous.withToken(token.get("access_token").asText());
    assertThat(app.get("Patient/" + member).status()).isEqualTo(200);
    assertThat(app.get("Appointment?patient=" + member).status()).isEqualTo(200);
    assertThat(app.get("Observation?patient=" + member).status())
        .as("a VA's role has no clinical content, in patient context or not")
        .isEqualTo(403);
  }

  @Test
  void anAppCannotNameThePatientItselfNorATherapistPickAStranger() throws Exception {
    String stranger =
        id(group("group-grief-support").getMemberFirstRep().getEntity().getReference());
    HttpClient browser = auth.signIn("therapist1");

    // The app puts launch_patient into its own authorization request: refused to the app.
    HttpResponse<String> injected =
        auth.get(browser, auth.authorizeUrl(SCOPE, Map.of("launch_patient", stranger)));
    assertThat(injected.statusCode()).isEqualTo(302);
    String location = injected.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith(SmartAuth.REDIRECT).contains("error=invalid_request");

    // The picker refuses a patient outside the therapist's caseload, whatever the form says.
    HttpResponse<String> toPicker = auth.get(browser, auth.authorizeUrl(SCOPE, Map.of()));
    String picker = toPicker.headers().firstValue("Location").orElseThrow();
    assertThat(picker).contains("/launch/patient?authorize=");
    HttpResponse<String> page = auth.get(browser, auth.absolute(picker));
    HttpResponse<String> refused = auth.pick(browser, auth.absolute(picker), page, stranger);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("may not open");
  }

  private Group group(String identifier) {
    return (Group)
        system
            .get("Group?identifier=" + DEMO_IDS + "/group|" + identifier)
            .resource(Bundle.class)
            .getEntryFirstRep()
            .getResource();
  }

  private static String id(String reference) {
    return reference.substring(reference.indexOf('/') + 1);
  }
}
