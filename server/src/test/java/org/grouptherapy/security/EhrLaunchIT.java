package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.Map;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** SMART EHR launch: the server as the EHR opens an app for a patient; the token carries it. */
@IntegrationTest
class EhrLaunchIT {

  private static final String MEMBER = "patient-RB100200"; // in therapist1's DBT group
  private static final String STRANGER = "patient-RB100608"; // in the grief group
  private static final String SCOPE = "launch openid fhirUser patient/*.rs";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  SmartAuth auth;

  @BeforeEach
  void setUp() {
    auth = new SmartAuth(port);
  }

  private static String launchOf(HttpResponse<String> opened) {
    assertThat(opened.statusCode()).as(opened.body()).isEqualTo(302);
    String location = opened.headers().firstValue("Location").orElseThrow();
    Map<String, String> query = SmartAuth.parseQuery(URI.create(location).getRawQuery());
    assertThat(location).contains("/app/");
    assertThat(query.get("iss")).endsWith("/fhir");
    return query.get("launch");
  }

  @Test
  void theTokenOfAnEhrLaunchCarriesThePatientAndReadsOnlyTheirData() {
    HttpClient browser = auth.signIn("therapist1");
    String launch = launchOf(auth.openFromEhr(browser, MEMBER));

    Object result = auth.authorizeLaunch(browser, launch, SCOPE);
    assertThat(result).as(String.valueOf(result)).isInstanceOf(JsonNode.class);
    JsonNode token = (JsonNode) result;
    assertThat(token.get("patient").asText()).isEqualTo(MEMBER);
    assertThat(token.get("scope").asText()).contains("launch");

    FhirHttp app = new FhirHttp(port, fhirContext, token.get("access_token").asText());
    assertThat(app.get("Patient/" + MEMBER).status()).isEqualTo(200);
    assertThat(app.get("Patient/" + STRANGER).status()).isEqualTo(403);
    assertThat(app.get("Condition?patient=Patient/" + MEMBER).status()).isEqualTo(200);
  }

  @Test
  void aLaunchIsUsedOnceByTheUserAndAppItWasMadeFor() {
    HttpClient browser = auth.signIn("therapist1");
    String launch = launchOf(auth.openFromEhr(browser, MEMBER));
    assertThat(auth.authorizeLaunch(browser, launch, SCOPE)).isInstanceOf(JsonNode.class);

    Object again = auth.authorizeLaunch(browser, launch, SCOPE);
    assertThat(again).isInstanceOf(HttpResponse.class);
    assertThat(((HttpResponse<?>) again).headers().firstValue("Location").orElse(""))
        .contains("error=invalid_request");

    HttpClient other = auth.signIn("va");
    String another = launchOf(auth.openFromEhr(browser, MEMBER));
    Object stolen = auth.authorizeLaunch(other, another, SCOPE);
    assertThat(stolen).as("another user cannot redeem it").isInstanceOf(HttpResponse.class);

    Object unknown = auth.authorizeLaunch(browser, "made-up", SCOPE);
    assertThat(unknown).isInstanceOf(HttpResponse.class);
  }

  @Test
  void aTherapistCannotLaunchForSomeoneOutsideTheirCaseload() {
    HttpClient browser = auth.signIn("therapist1");
    HttpResponse<String> refused = auth.openFromEhr(browser, STRANGER);
    assertThat(refused.statusCode()).isEqualTo(403);
  }

  @Test
  void discoveryAdvertisesTheEhrLaunch() {
    FhirHttp anonymous = new FhirHttp(port, fhirContext, (String) null);
    String configuration = anonymous.get(".well-known/smart-configuration").body();
    assertThat(configuration)
        .contains("launch-ehr")
        .contains("context-ehr-patient")
        .contains("\"launch\"");
  }
}
