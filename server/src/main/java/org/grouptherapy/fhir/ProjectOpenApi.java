package org.grouptherapy.fhir;

import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.swagger.v3.core.util.Yaml;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.security.OAuthFlow;
import io.swagger.v3.oas.models.security.OAuthFlows;
import io.swagger.v3.oas.models.security.Scopes;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.grouptherapy.system.AppProperties;
import org.thymeleaf.context.WebContext;
import org.thymeleaf.templateresource.ClassLoaderTemplateResource;

/**
 * HAPI's OpenAPI document and Swagger UI, made usable: the document declares SMART's OAuth2 (the
 * authorization code flow with PKCE through the VA app's client, and client credentials) so "Try it
 * out" sends a token; custom operations are described from their OperationDefinitions (see {@link
 * ProjectCapabilityStatementProvider}); and each page of the document is built once and then served
 * from memory (it depends only on the code and the FHIR package, the same on every instance),
 * instead of being generated per request, which took seconds to a minute.
 */
class ProjectOpenApi extends OpenApiInterceptor {

  static final String SCHEME = "smart";
  static final String CLIENT_ID = "va-app";
  private static final Pattern PAGE = Pattern.compile("[A-Za-z ]{1,60}");
  private static final int MAX_PAGES = 400;

  private final AppProperties properties;
  private final ServerUrls urls;
  private final Map<String, byte[]> documents = new ConcurrentHashMap<>();

  ProjectOpenApi(AppProperties properties, ServerUrls urls) {
    this.properties = properties;
    this.urls = urls;
  }

  @Override
  public boolean serveSwaggerUi(
      HttpServletRequest request, HttpServletResponse response, ServletRequestDetails details)
      throws IOException {
    if (!"/api-docs".equals(request.getPathInfo())) {
      return super.serveSwaggerUi(request, response, details);
    }
    String[] pages = details.getParameters().get("page");
    String page = pages == null || pages.length == 0 ? "" : pages[0];
    byte[] document;
    if (page.isEmpty() || (PAGE.matcher(page).matches() && documents.size() < MAX_PAGES)) {
      document = documents.computeIfAbsent(page, p -> render(details));
    } else {
      document = render(details);
    }
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType("text/yaml");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setContentLength(document.length);
    response.getOutputStream().write(document);
    response.getOutputStream().close();
    return false;
  }

  private byte[] render(ServletRequestDetails details) {
    return Yaml.pretty(generateOpenApi(details)).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  protected OpenAPI generateOpenApi(ServletRequestDetails details) {
    OpenAPI openApi = super.generateOpenApi(details);
    if (openApi.getComponents() == null) {
      openApi.setComponents(new Components());
    }
    openApi.getComponents().addSecuritySchemes(SCHEME, securityScheme());
    openApi.setSecurity(List.of(new SecurityRequirement().addList(SCHEME)));
    return openApi;
  }

  private SecurityScheme securityScheme() {
    String description =
        "SMART on FHIR. People sign in through the authorization code flow with PKCE (client "
            + CLIENT_ID
            + "); services use client credentials (system/ scopes). A 403 names the scope or role"
            + " that would allow the request.";
    if (!properties.security().embeddedAuthorizationServer()) {
      return new SecurityScheme()
          .type(SecurityScheme.Type.OPENIDCONNECT)
          .openIdConnectUrl(
              urls.issuer().replaceAll("/+$", "") + "/.well-known/openid-configuration")
          .description(description);
    }
    String authorize = urls.baseUrl() + "/oauth2/authorize";
    String token = urls.baseUrl() + "/oauth2/token";
    Scopes userScopes =
        new Scopes()
            .addString("openid", "Who signed in")
            .addString("fhirUser", "The signed-in user's FHIR resource")
            .addString("user/*.cruds", "Everything the user's role allows")
            .addString("user/*.rs", "Read and search what the user's role allows")
            .addString("patient/*.rs", "A member's own records");
    Scopes systemScopes =
        new Scopes()
            .addString("system/*.cruds", "A service: everything its registration allows")
            .addString("system/*.rs", "A service: read and search");
    return new SecurityScheme()
        .type(SecurityScheme.Type.OAUTH2)
        .description(description)
        .flows(
            new OAuthFlows()
                .authorizationCode(
                    new OAuthFlow()
                        .authorizationUrl(authorize)
                        .tokenUrl(token)
                        .refreshUrl(token)
                        .scopes(userScopes))
                .clientCredentials(new OAuthFlow().tokenUrl(token).scopes(systemScopes)));
  }

  @Override
  protected void populateOIDCVariables(ServletRequestDetails details, WebContext context) {
    super.populateOIDCVariables(details, context);
    context.setVariable(
        "OAUTH2_REDIRECT_URL_PROPERTY", urls.fhirBaseUrl() + "/swagger-ui/oauth2-redirect.html");
    context.setVariable("OAUTH2_CLIENT_ID", CLIENT_ID);
    context.setVariable("OAUTH2_SCOPES", "openid fhirUser user/*.cruds");
  }

  @Override
  protected ClassLoaderTemplateResource getIndexTemplate() {
    return new ClassLoaderTemplateResource(
        ProjectOpenApi.class.getClassLoader(), "openapi/swagger-ui.html", "UTF-8");
  }
}
