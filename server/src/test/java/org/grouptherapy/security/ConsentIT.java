package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A third-party app asks; the user may grant fewer scopes, and the token carries only those. */
@IntegrationTest
class ConsentIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;

  @Test
  void theUserGrantsFewerScopesThanAsked() {
    SmartAuth auth = new SmartAuth(port);
    List<String> shown = new ArrayList<>();
    JsonNode token =
        auth.launchWithConsent(
            "smart-app",
            "va",
            "openid fhirUser user/Group.rs user/Patient.rs",
            offered -> {
              shown.addAll(offered);
              return List.of("fhirUser", "user/Group.rs");
            });
    assertThat(shown).contains("fhirUser", "user/Group.rs", "user/Patient.rs");
    String scope = token.get("scope").asText();
    assertThat(scope).contains("user/Group.rs").doesNotContain("user/Patient.rs");

    FhirHttp app = new FhirHttp(port, fhirContext, token.get("access_token").asText());
    assertThat(app.get("Group?_count=1").status()).isEqualTo(200);
    assertThat(app.get("Patient?_count=1").status()).isEqualTo(403);
  }
}
