package org.grouptherapy.security;

import ca.uhn.fhir.jpa.searchparam.matcher.AuthorizationSearchParamMatcher;
import ca.uhn.fhir.jpa.searchparam.matcher.SearchParamMatcher;
import jakarta.servlet.http.HttpServletResponse;
import org.grouptherapy.fhir.FhirErrorResponses;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/** Everything outside the FHIR API and the authorization server's endpoints. */
@Configuration(proxyBeanMethods = false)
class WebSecurityConfiguration {

  @Bean
  @Order(3)
  SecurityFilterChain web(
      HttpSecurity http, AppProperties properties, SignInThrottle throttle, AuditTrail audit)
      throws Exception {
    // CORS here too: a preflight of the token or revocation endpoint (OPTIONS) is not one of the
    // authorization server's requests and lands in this chain.
    http.cors(Customizer.withDefaults()).headers(BrowserPolicy::pageHeaders);
    http.authorizeHttpRequests(
        a ->
            a.requestMatchers(
                    "/actuator/health/**",
                    "/actuator/health",
                    "/actuator/info",
                    "/actuator/prometheus",
                    "/login",
                    "/error",
                    "/app/**",
                    "/auth/**",
                    // iCalendar feeds: the secret in the URL is the credential (CalendarFeeds).
                    "/calendar/feeds/**",
                    "/favicon.ico")
                .permitAll()
                .anyRequest()
                .authenticated());
    if (properties.security().embeddedAuthorizationServer()) {
      // The sign-in form of the embedded authorization server (SignInController).
      ThrottledSignIn signIn = new ThrottledSignIn(throttle, audit, SignInController.PATH);
      http.formLogin(
              form ->
                  form.loginPage(SignInController.PATH)
                      .failureHandler(signIn.failureHandler())
                      .successHandler(signIn.successHandler())
                      .permitAll())
          .addFilterBefore(
              signIn.gate(SignInController.PATH), UsernamePasswordAuthenticationFilter.class);
    } else {
      http.csrf(AbstractHttpConfigurer::disable);
    }
    return http.build();
  }

  /**
   * No Spring Security observations: an observation around each of its ~15 filters on every request
   * took a fifth of the CPU of a token-checked read (JFR), and even switched off by a predicate the
   * filters were still wrapped. Request metrics stay on.
   */
  @Bean
  SecurityObservationSettings securityObservationSettings() {
    return SecurityObservationSettings.noObservations();
  }

  /** Forwarded headers from the configured proxies only, before anything reads the request. */
  @Bean
  org.springframework.boot.web.servlet.FilterRegistrationBean<ForwardedHeaders> forwardedHeaders(
      AppProperties properties) {
    var registration =
        new org.springframework.boot.web.servlet.FilterRegistrationBean<>(
            new ForwardedHeaders(properties.security().trustedProxies()));
    registration.setOrder(org.springframework.core.Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }

  /** Spring Security's strict firewall, with cheaper header checks ({@link FirewallCharacters}). */
  @Bean
  HttpFirewall httpFirewall() {
    return FirewallCharacters.firewall();
  }

  /**
   * A request the firewall refuses (an encoded slash, a semicolon, a double slash in the path): 400
   * with an OperationOutcome under the FHIR base, a bare 400 elsewhere.
   */
  @Bean
  RequestRejectedHandler requestRejectedHandler(AppProperties properties) {
    return (request, response, rejected) -> {
      if (FhirErrorResponses.underFhir(request.getRequestURI(), properties.fhir().path())) {
        FhirErrorResponses.write(
            request,
            response,
            HttpServletResponse.SC_BAD_REQUEST,
            OperationOutcome.IssueType.INVALID,
            "The URL is not allowed: it holds an encoded slash, a semicolon, a backslash, a"
                + " double slash or a \"..\" segment. Write resource ids with letters, digits,"
                + " '-' and '.' only.");
      } else {
        response.sendError(HttpServletResponse.SC_BAD_REQUEST);
      }
    };
  }

  /**
   * No users unless the demo adds some: production signs people in at its own identity provider.
   */
  @Bean
  @ConditionalOnMissingBean(UserDetailsService.class)
  UserDetailsService noUsers() {
    return new InMemoryUserDetailsManager();
  }

  @Bean
  @ConditionalOnProperty(name = "app.security.enabled", havingValue = "true", matchIfMissing = true)
  SmartAuthorizationInterceptor smartAuthorizationInterceptor(
      CallerResolver callers, SearchParamMatcher searchParamMatcher) {
    SmartAuthorizationInterceptor interceptor = new SmartAuthorizationInterceptor(callers);
    // Evaluates the ?param=value narrowing of v2 scopes against each resource.
    interceptor.setAuthorizationSearchParamMatcher(
        new AuthorizationSearchParamMatcher(searchParamMatcher));
    return interceptor;
  }
}
