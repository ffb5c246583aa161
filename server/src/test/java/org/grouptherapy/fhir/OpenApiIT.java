package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.swagger.v3.core.util.Yaml;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The OpenAPI document and Swagger UI can call the API: SMART's OAuth2 is declared (authorization
 * code with PKCE through the VA app, client credentials), the UI signs in as the VA app, custom
 * operations are described from their OperationDefinitions, and the document is built once.
 */
@IntegrationTest
class OpenApiIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;

  @Test
  void declaresSmartOAuth2WithBothFlows() throws Exception {
    OpenAPI document = document("?page=Group");
    SecurityScheme smart = document.getComponents().getSecuritySchemes().get("smart");
    assertThat(smart.getType()).isEqualTo(SecurityScheme.Type.OAUTH2);
    String root = "http://localhost:" + port;
    assertThat(smart.getFlows().getAuthorizationCode().getAuthorizationUrl())
        .isEqualTo(root + "/oauth2/authorize");
    assertThat(smart.getFlows().getAuthorizationCode().getTokenUrl())
        .isEqualTo(root + "/oauth2/token");
    assertThat(smart.getFlows().getClientCredentials().getScopes()).containsKey("system/*.cruds");
    assertThat(document.getSecurity()).anySatisfy(r -> assertThat(r).containsKey("smart"));
    assertThat(document.getServers())
        .allSatisfy(s -> assertThat(s.getUrl()).isEqualTo(root + "/fhir"));
  }

  @Test
  void describesOperationParametersFromTheirOperationDefinitions() throws Exception {
    Operation schedule =
        document("?page=Group").getPaths().get("/Group/{id}/$schedule-series").getPost();
    String example =
        String.valueOf(
            schedule.getRequestBody().getContent().get("application/fhir+json").getExample());
    for (String parameter : new String[] {"rrule", "start", "durationMinutes", "dryRun"}) {
      assertThat(example).contains("\"" + parameter + "\"");
    }
    assertThat(schedule.getDescription()).contains("RRULE");
  }

  @Test
  void servesTheSameDocumentEveryTime() {
    String first = get("/fhir/api-docs").body();
    String second = get("/fhir/api-docs").body();
    assertThat(first).isNotBlank().isEqualTo(second);
  }

  @Test
  void signsInFromSwaggerUiAsTheVaAppWithPkce() {
    String page = get("/fhir/swagger-ui/").body();
    String redirect = "http://localhost:" + port + "/fhir/swagger-ui/oauth2-redirect.html";
    assertThat(page)
        .contains("clientId: \"va-app\"")
        .contains("usePkceWithAuthorizationCodeGrant: true")
        .contains(redirect.replace("/", "\\/"));
    assertThat(get("/fhir/swagger-ui/oauth2-redirect.html").statusCode()).isEqualTo(200);

    // The VA app's registration accepts Swagger UI's redirect: the authorization request goes
    // on to the sign-in page instead of being refused.
    SmartAuth auth = new SmartAuth(port);
    HttpResponse<String> authorize =
        get(auth.authorizeUrl("openid fhirUser user/*.cruds", Map.of("redirect_uri", redirect)));
    assertThat(authorize.statusCode()).as(authorize.body()).isEqualTo(302);
    assertThat(authorize.headers().firstValue("Location").orElseThrow()).contains("/login");
  }

  private OpenAPI document(String query) throws Exception {
    HttpResponse<String> response = get("/fhir/api-docs" + query);
    assertThat(response.statusCode()).isEqualTo(200);
    return Yaml.mapper().readValue(response.body(), OpenAPI.class);
  }

  private HttpResponse<String> get(String pathOrUrl) {
    String url = pathOrUrl.startsWith("http") ? pathOrUrl : "http://localhost:" + port + pathOrUrl;
    return SmartAuth.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(URI.create(url)));
  }
}
