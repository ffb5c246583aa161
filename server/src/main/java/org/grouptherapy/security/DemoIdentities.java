package org.grouptherapy.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.grouptherapy.fhir.ServerUrls;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * The demo's people and apps, on the embedded authorization server only while the demo is on: users
 * va, therapist1, therapist2, biller, admin and patient1 (password {@code demo}), and the clients
 * va-app (public, PKCE), cli (secret), clearinghouse and ehr (private_key_jwt).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression(
    "'${app.security.issuer-uri:}'.isEmpty()"
        + " and '${app.security.demo-identities:${app.demo.enabled:true}}' == 'true'")
class DemoIdentities implements UserDirectory {

  static final String IDS = "http://grouptherapy.example.org/identifiers";
  static final String APP_SCOPES =
      "openid fhirUser profile launch launch/patient offline_access online_access user/*.cruds"
          + " patient/*.cruds"
          + " user/*.* patient/*.* user/*.read patient/*.read user/*.write patient/*.write";
  private static final Logger log = LoggerFactory.getLogger(DemoIdentities.class);

  /** username → role and the identifier of their FHIR resource (type|system|value). */
  private static final Map<String, String[]> USERS =
      Map.of(
          "va", new String[] {"VA", null},
          "therapist1",
              new String[] {
                "THERAPIST", "Practitioner|" + IDS + "/practitioner|practitioner-okafor"
              },
          "therapist2",
              new String[] {
                "THERAPIST", "Practitioner|" + IDS + "/practitioner|practitioner-lindqvist"
              },
          "biller", new String[] {"BILLER", null},
          "coder", new String[] {"CODER", null},
          "admin", new String[] {"ADMIN", null},
          "patient1", new String[] {"PATIENT", "Patient|" + IDS + "/patient|patient-RB100200"});

  private final DaoRegistry daoRegistry;
  private final Map<String, Optional<String>> resolved = new ConcurrentHashMap<>();

  DemoIdentities(DaoRegistry daoRegistry) {
    this.daoRegistry = daoRegistry;
  }

  @Bean
  UserDetailsService demoUsers() {
    // One bcrypt hash serves every demo user (same password): bcrypt is slow on purpose, and
    // this runs on every start.
    String password = PasswordEncoderFactories.createDelegatingPasswordEncoder().encode("demo");
    InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
    USERS.forEach(
        (name, details) ->
            users.createUser(User.withUsername(name).password(password).roles(details[0]).build()));
    return users;
  }

  @Override
  public Optional<String> fhirUser(String username) {
    String[] details = USERS.get(username);
    if (details == null || details[1] == null) {
      return Optional.empty();
    }
    Optional<String> known = resolved.get(username);
    if (known != null) {
      return known;
    }
    // Only a found reference is kept: "not found" (asked before the demo was loaded) is asked
    // again, so the cache never answers what the database would not.
    Optional<String> found = find(details[1]);
    found.ifPresent(f -> resolved.put(username, Optional.of(f)));
    return found;
  }

  private Optional<String> find(String typeSystemValue) {
    String[] parts = typeSystemValue.split("\\|");
    SearchParameterMap search =
        SearchParameterMap.newSynchronous().add("identifier", new TokenParam(parts[1], parts[2]));
    List<IBaseResource> found =
        daoRegistry.getResourceDao(parts[0]).searchForResources(search, new SystemRequestDetails());
    return found.stream().findFirst().map(r -> parts[0] + "/" + r.getIdElement().getIdPart());
  }

  /** A third-party SMART app: the user sees what it asks for and may grant less. */
  private static RegisteredClient thirdPartyApp(TokenSettings tokens) {
    return RegisteredClient.withId("demo-smart-app")
        .clientId("smart-app")
        .clientName("Demo third-party SMART app")
        .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
        .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
        .redirectUri("http://127.0.0.1/callback")
        .scopes(s -> s.addAll(List.of(APP_SCOPES.split(" "))))
        .clientSettings(
            ClientSettings.builder()
                .requireProofKey(true)
                .requireAuthorizationConsent(true)
                .build())
        .tokenSettings(tokens)
        .build();
  }

  /** The VA app's registration: SMART launch with PKCE, the app's own URL and a loopback one. */
  private static RegisteredClient.Builder vaApp(
      String clientId, String name, ServerUrls urls, TokenSettings tokens) {
    return RegisteredClient.withId("demo-" + clientId)
        .clientId(clientId)
        .clientName(name)
        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
        .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
        .redirectUri(urls.baseUrl() + "/app/")
        .redirectUri("http://127.0.0.1/callback")
        .scopes(s -> s.addAll(List.of(APP_SCOPES.split(" "))))
        .clientSettings(
            ClientSettings.builder()
                .requireProofKey(true)
                .requireAuthorizationConsent(false)
                // EHR launch from this server (/launch/ehr) opens the app here.
                .setting(EhrLaunchController.LAUNCH_URI, urls.baseUrl() + "/app/")
                .build())
        .tokenSettings(tokens);
  }

  /**
   * Registers the demo clients once the port, and so the app's redirect URI, is known; under a
   * start-up lock, as instances starting together would insert the same clients.
   */
  @EventListener
  void registerClients(ApplicationReadyEvent event) throws Exception {
    event
        .getApplicationContext()
        .getBean(org.grouptherapy.system.StartupLock.class)
        .run("demo-identities", () -> saveClients(event));
  }

  private void saveClients(ApplicationReadyEvent event) {
    RegisteredClientRepository clients =
        event.getApplicationContext().getBean(RegisteredClientRepository.class);
    ServerUrls urls = event.getApplicationContext().getBean(ServerUrls.class);
    AppProperties properties = event.getApplicationContext().getBean(AppProperties.class);
    PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
    TokenSettings tokens =
        TokenSettings.builder()
            .accessTokenTimeToLive(properties.security().accessTokenLifetime())
            .refreshTokenTimeToLive(properties.security().refreshTokenLifetime())
            .reuseRefreshTokens(false)
            .build();

    clients.save(
        vaApp("va-app", "Group Therapy VA app", urls, tokens)
            .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
            .redirectUri("http://127.0.0.1/")
            .redirectUri("http://[::1]/callback")
            // Swagger UI's "Authorize" (authorization code with PKCE) signs in as the VA app.
            .redirectUri(urls.fhirBaseUrl() + "/swagger-ui/oauth2-redirect.html")
            .build());
    // The same app run with a server-side component that can keep a secret: a confidential
    // client, which is issued refresh tokens for offline_access.
    clients.save(
        vaApp("va-app-server", "Group Therapy VA app (server side)", urls, tokens)
            .clientSecret(encoder.encode("va-app-server-secret"))
            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
            .build());

    clients.save(thirdPartyApp(tokens));

    clients.save(
        RegisteredClient.withId("demo-cli")
            .clientId("cli")
            .clientSecret(encoder.encode("cli-secret"))
            .clientName("Command-line demo client")
            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
            .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
            .scope("system/*.cruds")
            .tokenSettings(tokens)
            .build());

    for (String backend : List.of("clearinghouse", "ehr")) {
      String scopes =
          backend.equals("clearinghouse")
              ? "system/Claim.rus system/ClaimResponse.rs system/Patient.rs system/Coverage.rs"
                  + " system/Organization.rs system/Practitioner.rs system/PractitionerRole.rs"
                  + " system/Encounter.rs system/Condition.rs system/Location.rs"
              : "system/*.cruds";
      clients.save(
          RegisteredClient.withId("demo-" + backend)
              .clientId(backend)
              .clientName(backend.equals("ehr") ? "Demo EHR" : "Demo billing clearinghouse")
              .clientAuthenticationMethod(ClientAuthenticationMethod.PRIVATE_KEY_JWT)
              .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
              .scopes(s -> s.addAll(List.of(scopes.split(" "))))
              .clientSettings(
                  ClientSettings.builder()
                      .jwkSetUrl("http://127.0.0.1:9001/" + backend + "/jwks.json")
                      .tokenEndpointAuthenticationSigningAlgorithm(SignatureAlgorithm.RS384)
                      .build())
              .tokenSettings(tokens)
              .build());
    }
    log.info(
        "Demo sign-in: users va, therapist1, therapist2, biller, admin, patient1 (password demo)");
  }
}
