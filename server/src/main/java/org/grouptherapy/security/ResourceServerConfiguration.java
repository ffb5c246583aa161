package org.grouptherapy.security;

import ca.uhn.fhir.context.FhirContext;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.util.Collection;
import java.util.List;
import org.grouptherapy.fhir.ServerUrls;
import org.grouptherapy.system.AppProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.authorization.AuthenticatedAuthorizationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManagers;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configuration.OAuth2AuthorizationServerConfiguration;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * {@code /fhir/**} is an OAuth2 resource server: a JWT bearer token whose signature, issuer,
 * audience (the FHIR base URL) and lifetime check out, from a client that is not disabled. {@code
 * /fhir/metadata} and the SMART configuration stay public, as SMART clients expect.
 */
@Configuration(proxyBeanMethods = false)
class ResourceServerConfiguration {

  private static final Logger log = LoggerFactory.getLogger(ResourceServerConfiguration.class);

  /**
   * First of the chains: nearly every request is a FHIR request, so it should not be matched
   * against the authorization server's endpoints before its own.
   */
  @Bean
  @Order(0)
  SecurityFilterChain fhirApi(
      HttpSecurity http,
      AppProperties properties,
      JwtDecoder jwtDecoder,
      TokenRevocations revocations,
      java.time.Clock clock,
      FhirContext fhirContext,
      AuditTrail audit)
      throws Exception {
    String fhir = properties.fhir().path();
    http.securityMatcher(path(fhir + "/**"))
        .cors(Customizer.withDefaults())
        .csrf(AbstractHttpConfigurer::disable)
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        // A token API: no saved requests to replay after a sign-in, no logout, no servlet-API
        // wrapper (HAPI never asks the request who the user is).
        .requestCache(AbstractHttpConfigurer::disable)
        .logout(AbstractHttpConfigurer::disable)
        .servletApi(AbstractHttpConfigurer::disable)
        .exceptionHandling(
            e ->
                e.authenticationEntryPoint(OperationOutcomeErrors.unauthorized(fhirContext, audit))
                    .accessDeniedHandler(OperationOutcomeErrors.forbidden(fhirContext, audit)));
    if (!properties.security().enabled()) {
      log.warn("app.security.enabled=false: the FHIR API is open to anyone. Benchmarks only.");
      http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
      return http.build();
    }
    // A request with a valid token is let through before its path is looked at: nearly every
    // request has one, and the public paths only matter to requests without.
    RequestMatcher publicPaths =
        new OrRequestMatcher(
            path(fhir + "/metadata"),
            path(fhir + "/.well-known/smart-configuration"),
            path(fhir + "/swagger-ui/**"),
            path(fhir + "/api-docs"));
    http.authorizeHttpRequests(
            a ->
                a.anyRequest()
                    .access(
                        AuthorizationManagers.anyOf(
                            AuthenticatedAuthorizationManager.authenticated(),
                            (authentication, context) ->
                                new AuthorizationDecision(
                                    publicPaths.matches(context.getRequest())))))
        .oauth2ResourceServer(
            o ->
                o.bearerTokenResolver(new HeaderBearerTokenResolver())
                    .jwt(
                        j ->
                            j.authenticationManager(
                                new VerifiedBearerTokens(
                                    jwtDecoder,
                                    revocations,
                                    clock,
                                    properties.security().clockSkew())))
                    // The audit trail takes the address from the request; nothing reads
                    // authentication details, and a verified authentication is shared by the
                    // requests carrying its token.
                    .withObjectPostProcessor(
                        new ObjectPostProcessor<BearerTokenAuthenticationFilter>() {
                          @Override
                          public <F extends BearerTokenAuthenticationFilter> F postProcess(
                              F filter) {
                            filter.setAuthenticationDetailsSource(request -> null);
                            return filter;
                          }
                        })
                    .authenticationEntryPoint(
                        OperationOutcomeErrors.unauthorized(fhirContext, audit))
                    .accessDeniedHandler(OperationOutcomeErrors.forbidden(fhirContext, audit)));
    return http.build();
  }

  @Bean
  TokenRevocations tokenRevocations(JdbcTemplate jdbc, java.time.Clock clock) {
    return new TokenRevocations(jdbc, clock);
  }

  /**
   * Verifies every token it is given; {@code /fhir} requests go through {@link
   * VerifiedBearerTokens}.
   */
  @Bean
  JwtDecoder jwtDecoder(
      AppProperties properties,
      ServerUrls urls,
      ObjectProvider<JWKSource<SecurityContext>> embeddedKeys,
      TokenRevocations revocations) {
    JwtDecoder decoder;
    if (properties.security().embeddedAuthorizationServer()) {
      decoder = OAuth2AuthorizationServerConfiguration.jwtDecoder(embeddedKeys.getObject());
    } else {
      decoder = NimbusJwtDecoder.withIssuerLocation(properties.security().issuerUri()).build();
    }
    OAuth2TokenValidator<Jwt> validator =
        new DelegatingOAuth2TokenValidator<>(
            List.of(
                // No grace beyond exp unless configured (app.security.clock-skew).
                new JwtTimestampValidator(properties.security().clockSkew()),
                // Claim validators rather than JwtIssuerValidator: the embedded issuer's URL is
                // known
                // only once the server listens (a random port in tests).
                new JwtClaimValidator<Object>(
                    JwtClaimNames.ISS, iss -> urls.issuer().equals(String.valueOf(iss))),
                new JwtClaimValidator<Collection<String>>(
                    JwtClaimNames.AUD, aud -> aud != null && aud.contains(urls.fhirBaseUrl())),
                revocations));
    ((NimbusJwtDecoder) decoder).setJwtValidator(validator);
    return decoder;
  }

  /** Paths outside Spring MVC (HAPI's servlet), matched on the whole request path. */
  static RequestMatcher path(String pattern) {
    return PathPatternRequestMatcher.withDefaults().matcher(pattern);
  }
}
