package org.grouptherapy.security;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.grouptherapy.fhir.ServerUrls;
import org.grouptherapy.system.AppProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.JwtClientAssertionDecoderFactory;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.JdbcRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2AccessTokenResponseAuthenticationSuccessHandler;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.preauth.AbstractPreAuthenticatedProcessingFilter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The embedded authorization server (Spring Authorization Server), on when no {@code
 * app.security.issuer-uri} is set: authorization code with PKCE for apps, client credentials with
 * {@code private_key_jwt} or a secret for backend services, refresh tokens, OpenID Connect. Its
 * state (clients, codes, refresh tokens, keys) lives in PostgreSQL, shared by all instances.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${app.security.issuer-uri:}'.isEmpty()")
class AuthorizationServerConfiguration {

  @Bean
  @Order(1)
  SecurityFilterChain authorizationServer(
      HttpSecurity http,
      ServerUrls urls,
      JdbcTemplate jdbc,
      RegisteredClientRepository clients,
      AppProperties properties,
      SignInThrottle throttle,
      AuditTrail audit,
      SmartLaunches launches)
      throws Exception {
    Duration maxAssertionLifetime = properties.security().maxClientAssertionLifetime();
    OAuth2AuthorizationServerConfigurer server =
        OAuth2AuthorizationServerConfigurer.authorizationServer();
    OAuth2AccessTokenResponseAuthenticationSuccessHandler tokenResponse =
        new OAuth2AccessTokenResponseAuthenticationSuccessHandler();
    tokenResponse.setAccessTokenResponseCustomizer(SmartTokenClaims::addLaunchContext);
    http.securityMatcher(server.getEndpointsMatcher())
        .with(
            server,
            as ->
                as.oidc(Customizer.withDefaults())
                    .authorizationEndpoint(
                        endpoint ->
                            endpoint
                                .consentPage(ConsentController.PATH)
                                .authenticationProviders(
                                    providers ->
                                        providers.forEach(
                                            p -> smartAuthorization(p, urls, launches))))
                    .tokenEndpoint(
                        endpoint ->
                            endpoint
                                .accessTokenResponseHandler(tokenResponse)
                                .authenticationProviders(
                                    providers ->
                                        providers.forEach(
                                            AuthorizationServerConfiguration::scopesCovered)))
                    .clientAuthentication(
                        authentication ->
                            authentication
                                // Public apps refreshing with client_id alone: tried last, after
                                // every kind of client credentials.
                                .authenticationConverters(
                                    converters -> {
                                      converters.add(0, new AssertionWithoutClientId());
                                      converters.add(
                                          new PublicClientRefresh.Converter(
                                              AuthorizationServerSettings.builder()
                                                  .build()
                                                  .getTokenRevocationEndpoint()));
                                    })
                                .authenticationProviders(
                                    providers -> {
                                      providers.forEach(
                                          p -> assertionKeys(p, jdbc, maxAssertionLifetime));
                                      providers.add(0, new PublicClientRefresh.Provider(clients));
                                      providers.replaceAll(
                                          p ->
                                              new ThrottledClientAuthentication(
                                                  p, throttle, audit));
                                    })))
        .cors(Customizer.withDefaults())
        .headers(BrowserPolicy::pageHeaders)
        // The issuer is the configured public URL whatever host a request named (a token asked
        // for through 127.0.0.1 would otherwise name that host, and be refused by this server).
        .addFilterBefore(new FixedIssuer(urls), HeaderWriterFilter.class)
        .addFilterBefore(
            new PatientPickerRedirect(
                AuthorizationServerSettings.builder().build().getAuthorizationEndpoint()),
            AbstractPreAuthenticatedProcessingFilter.class)
        .authorizeHttpRequests(a -> a.anyRequest().authenticated())
        .exceptionHandling(
            e ->
                e.defaultAuthenticationEntryPointFor(
                    new LoginUrlAuthenticationEntryPoint("/login"),
                    new MediaTypeRequestMatcher(MediaType.TEXT_HTML)));
    return http.build();
  }

  /** Authorization requests: the redirect URI as registered, then the SMART rules below. */
  private static void smartAuthorization(
      AuthenticationProvider provider, ServerUrls urls, SmartLaunches launches) {
    if (provider instanceof OAuth2AuthorizationCodeRequestAuthenticationProvider code) {
      code.setAuthenticationValidator(
          OAuth2AuthorizationCodeRequestAuthenticationValidator.DEFAULT_REDIRECT_URI_VALIDATOR
              .andThen(context -> validateAuthorizationRequest(context, urls, launches)));
    }
  }

  /** Client credentials: the scopes asked for must lie within the client's registration. */
  private static void scopesCovered(AuthenticationProvider provider) {
    if (provider instanceof OAuth2ClientCredentialsAuthenticationProvider credentials) {
      credentials.setAuthenticationValidator(
          context ->
              SmartScopeValidation.requireCovered(
                  ((OAuth2ClientCredentialsAuthenticationToken) context.getAuthentication())
                      .getScopes(),
                  context.getRegisteredClient().getScopes()));
    }
  }

  /** private_key_jwt: assertions checked against the client's JWKS, each jti once. */
  private static void assertionKeys(
      AuthenticationProvider provider, JdbcTemplate jdbc, Duration maxLifetime) {
    if (provider instanceof JwtClientAssertionAuthenticationProvider assertion) {
      assertion.setJwtDecoderFactory(assertionDecoders(jdbc, maxLifetime));
    }
  }

  /**
   * SMART: PKCE S256 always, {@code aud} (when sent) must name this FHIR server, and scopes within
   * the client's registration. Errors go back to the app's redirect URI.
   */
  private static void validateAuthorizationRequest(
      OAuth2AuthorizationCodeRequestAuthenticationContext context,
      ServerUrls urls,
      SmartLaunches launches) {
    OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
    try {
      checkAuthorizationRequest(context, request, urls);
      checkEhrLaunch(request, launches);
    } catch (OAuth2AuthenticationException e) {
      throw new OAuth2AuthorizationCodeRequestAuthenticationException(e.getError(), request);
    }
  }

  private static void checkAuthorizationRequest(
      OAuth2AuthorizationCodeRequestAuthenticationContext context,
      OAuth2AuthorizationCodeRequestAuthenticationToken request,
      ServerUrls urls) {
    Object method = request.getAdditionalParameters().get("code_challenge_method");
    if (request.getAdditionalParameters().get("code_challenge") == null || !"S256".equals(method)) {
      throw new OAuth2AuthenticationException(
          new OAuth2Error(
              OAuth2ErrorCodes.INVALID_REQUEST,
              "PKCE is required: send code_challenge with code_challenge_method=S256",
              null));
    }
    Object aud = request.getAdditionalParameters().get("aud");
    if (aud != null && !urls.fhirBaseUrl().equals(aud)) {
      throw new OAuth2AuthenticationException(
          new OAuth2Error(
              OAuth2ErrorCodes.INVALID_REQUEST,
              "aud must be the FHIR base URL " + urls.fhirBaseUrl(),
              null));
    }
    SmartScopeValidation.requireCovered(
        request.getScopes(), context.getRegisteredClient().getScopes());
    Object picked = request.getAdditionalParameters().get(PatientLaunch.PARAMETER);
    if (picked != null) {
      HttpServletRequest http =
          ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes()).getRequest();
      boolean fromPicker =
          request.getScopes().contains(SmartTokenClaims.LAUNCH_PATIENT)
              && PatientLaunch.picked(
                      http.getSession(false), request.getClientId(), request.getState())
                  .map(picked::equals)
                  .orElse(false);
      if (!fromPicker) {
        throw new OAuth2AuthenticationException(
            new OAuth2Error(
                OAuth2ErrorCodes.INVALID_REQUEST,
                PatientLaunch.PARAMETER
                    + " is set by this server's patient picker, not by the app: ask for"
                    + " launch/patient and let the user choose",
                null));
      }
    }
  }

  /**
   * An EHR launch: the app asks for the {@code launch} scope and passes the {@code launch} it was
   * given. Before the user has signed in the launch must merely exist for this app; once they have,
   * it is redeemed for them (once, and only by the user it was made for).
   */
  private static void checkEhrLaunch(
      OAuth2AuthorizationCodeRequestAuthenticationToken request, SmartLaunches launches) {
    Object launch = request.getAdditionalParameters().get(SmartTokenClaims.LAUNCH);
    boolean launchScope = request.getScopes().contains(SmartTokenClaims.LAUNCH);
    if (!launchScope && launch == null) {
      return;
    }
    if (!launchScope || launch == null) {
      throw new OAuth2AuthenticationException(
          new OAuth2Error(
              OAuth2ErrorCodes.INVALID_REQUEST,
              "An EHR launch asks for the launch scope and passes the launch parameter it was"
                  + " given",
              null));
    }
    boolean signedIn =
        request.getPrincipal() instanceof Authentication user
            && user.isAuthenticated()
            && !(user instanceof AnonymousAuthenticationToken);
    boolean valid =
        signedIn
            ? launches
                .redeem(
                    launch.toString(),
                    request.getClientId(),
                    ((Authentication) request.getPrincipal()).getName())
                .isPresent()
            : launches.usable(launch.toString(), request.getClientId());
    if (!valid) {
      throw new OAuth2AuthenticationException(
          new OAuth2Error(
              OAuth2ErrorCodes.INVALID_REQUEST,
              "The launch is unknown, expired or already used, or was made for another app or"
                  + " user: launch the app again from the EHR",
              null));
    }
  }

  /**
   * Client assertions are checked as usual, must expire within {@code maxLifetime} (5 minutes, as
   * SMART Backend Services asks), and a {@code jti} is accepted once only.
   */
  private static JwtClientAssertionDecoderFactory assertionDecoders(
      JdbcTemplate jdbc, Duration maxLifetime) {
    JwtClientAssertionDecoderFactory factory = new JwtClientAssertionDecoderFactory();
    factory.setJwtValidatorFactory(
        client ->
            new DelegatingOAuth2TokenValidator<>(
                List.of(
                    JwtClientAssertionDecoderFactory.DEFAULT_JWT_VALIDATOR_FACTORY.apply(client),
                    shortLived(maxLifetime),
                    oncePerJti(jdbc))));
    return factory;
  }

  private static OAuth2TokenValidator<Jwt> shortLived(Duration maxLifetime) {
    return jwt -> {
      Instant expires = jwt.getExpiresAt();
      Instant latest = Instant.now().plus(maxLifetime);
      if (expires == null || expires.isAfter(latest)) {
        return OAuth2TokenValidatorResult.failure(
            new OAuth2Error(
                OAuth2ErrorCodes.INVALID_CLIENT,
                "The client assertion must expire within "
                    + maxLifetime.toMinutes()
                    + " minutes (exp), as SMART Backend Services asks",
                null));
      }
      return OAuth2TokenValidatorResult.success();
    };
  }

  private static OAuth2TokenValidator<Jwt> oncePerJti(JdbcTemplate jdbc) {
    return jwt -> {
      String jti = jwt.getId();
      if (jti == null) {
        return OAuth2TokenValidatorResult.failure(
            new OAuth2Error(
                OAuth2ErrorCodes.INVALID_CLIENT, "The client assertion has no jti", null));
      }
      Instant expires =
          jwt.getExpiresAt() != null ? jwt.getExpiresAt() : Instant.now().plusSeconds(300);
      jdbc.update("DELETE FROM gt.client_assertion_jti WHERE expires_at < now()");
      int inserted =
          jdbc.update(
              "INSERT INTO gt.client_assertion_jti (jti, client_id, expires_at) VALUES (?, ?, ?)"
                  + " ON CONFLICT DO NOTHING",
              jti,
              jwt.getSubject(),
              java.sql.Timestamp.from(expires));
      return inserted == 1
          ? OAuth2TokenValidatorResult.success()
          : OAuth2TokenValidatorResult.failure(
              new OAuth2Error(
                  OAuth2ErrorCodes.INVALID_CLIENT,
                  "The client assertion was already used (jti replay)",
                  null));
    };
  }

  @Bean
  RegisteredClientRepository registeredClientRepository(
      JdbcOperations jdbc, TokenRevocations revocations) {
    return new ActiveClients(new JdbcRegisteredClientRepository(jdbc), revocations);
  }

  /**
   * The registered clients, as the endpoints that authenticate clients and issue tokens see them: a
   * disabled client ({@code gt.disabled_client}) is unknown there, so it gets no new tokens (its
   * existing ones are refused by {@link TokenRevocations}).
   */
  private record ActiveClients(RegisteredClientRepository delegate, TokenRevocations revocations)
      implements RegisteredClientRepository {

    @Override
    public void save(RegisteredClient client) {
      delegate.save(client);
    }

    @Override
    public RegisteredClient findById(String id) {
      return delegate.findById(id);
    }

    @Override
    public RegisteredClient findByClientId(String clientId) {
      return clientId == null || revocations.isDisabled(clientId)
          ? null
          : delegate.findByClientId(clientId);
    }
  }

  @Bean
  OAuth2AuthorizationService authorizationService(
      JdbcTemplate jdbc,
      RegisteredClientRepository clients,
      Clock clock,
      TokenRevocations revocations,
      AppProperties properties) {
    return new RotatingAuthorizationService(
        new JdbcOAuth2AuthorizationService(jdbc, clients),
        jdbc,
        clock,
        revocations,
        properties.security().accessTokenLifetime());
  }

  /**
   * Signed JWT access and ID tokens (with the SMART claims of {@link SmartTokenClaims}), and
   * refresh tokens for offline_access ({@link SmartRefreshTokens}). No opaque access tokens.
   */
  @Bean
  OAuth2TokenGenerator<?> tokenGenerator(
      SigningKeys keys,
      OAuth2TokenCustomizer<JwtEncodingContext> smartTokenCustomizer,
      Clock clock) {
    JwtGenerator jwt = new JwtGenerator(new NimbusJwtEncoder(keys.signer()));
    jwt.setJwtCustomizer(smartTokenCustomizer);
    return new DelegatingOAuth2TokenGenerator(jwt, new SmartRefreshTokens(clock));
  }

  @Bean
  OAuth2AuthorizationConsentService authorizationConsentService(
      JdbcOperations jdbc, RegisteredClientRepository clients) {
    return new JdbcOAuth2AuthorizationConsentService(jdbc, clients);
  }

  /**
   * Published keys for the JWK Set endpoint and token verification; the token generator signs with
   * {@link SigningKeys#signer()}, the one current key. A superseded key stays published for the
   * longest token lifetime (access tokens, or Spring's 30-minute ID tokens) with clock skew.
   */
  @Bean
  SigningKeys jwkSource(
      JdbcTemplate jdbc,
      org.springframework.transaction.PlatformTransactionManager transactionManager,
      Clock clock,
      AppProperties properties) {
    java.time.Duration lifetime =
        java.util.Collections.max(
                List.of(
                    properties.security().accessTokenLifetime(), java.time.Duration.ofMinutes(30)))
            .plus(properties.security().clockSkew())
            .plus(java.time.Duration.ofMinutes(1));
    return new SigningKeys(jdbc, transactionManager, clock, lifetime);
  }

  @Bean
  AuthorizationServerSettings authorizationServerSettings() {
    return AuthorizationServerSettings.builder().build();
  }

  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> smartTokenCustomizer(SmartTokenClaims claims) {
    return claims::customize;
  }
}
