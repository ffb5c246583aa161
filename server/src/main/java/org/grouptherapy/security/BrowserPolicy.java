package org.grouptherapy.security;

import java.util.List;
import java.util.stream.Stream;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.system.AppProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.configurers.HeadersConfigurer;
import org.springframework.security.web.header.writers.ContentSecurityPolicyHeaderWriter;
import org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;

/**
 * What browsers are told. CORS on the paths a SMART web app on another origin calls (the FHIR API
 * and its discovery document, the token, revocation, introspection and key endpoints, OpenID
 * discovery), for the origins in {@code app.security.allowed-origins} ({@code *}, the default, for
 * any: every one of these takes a bearer token or client credentials, never a cookie, so no
 * credentials are allowed across origins); preflight requests are answered without a token. The
 * server's own pages (sign-in, patient picker) get a strict Content-Security-Policy, no framing and
 * no referrer.
 */
@Configuration(proxyBeanMethods = false)
class BrowserPolicy {

  static final String PAGE_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

  /**
   * The VA workspace's policy: its own scripts only; inline styles (the calendar sets them); FHIR
   * calls to this server or to another SMART server that launched it.
   */
  static final String APP_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
          + " img-src 'self' data: blob:; font-src 'self' data:;"
          + " connect-src 'self' https: http://localhost:*"
          + " http://127.0.0.1:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

  @Bean
  CorsConfigurationSource corsConfigurationSource(AppProperties properties) {
    List<String> origins = properties.security().allowedOrigins();
    if (origins.isEmpty()) {
      return request -> null; // no cross-origin access at all
    }
    String fhir = properties.fhir().path();
    CorsConfiguration api = new CorsConfiguration();
    if (origins.contains("*")) {
      api.addAllowedOrigin("*");
    } else {
      origins.forEach(api::addAllowedOriginPattern);
    }
    api.setAllowCredentials(false);
    api.setAllowedMethods(List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"));
    api.setAllowedHeaders(
        List.of(
            "Authorization",
            "Content-Type",
            "Accept",
            "Prefer",
            "If-Match",
            "If-None-Match",
            "If-None-Exist",
            "If-Modified-Since",
            "X-Request-Id",
            SchedulingCodes.OVERRIDE_HEADER));
    api.setExposedHeaders(
        List.of(
            "Location",
            "Content-Location",
            "ETag",
            "Last-Modified",
            "X-Progress",
            "Retry-After",
            "WWW-Authenticate",
            "X-Request-Id"));
    api.setMaxAge(3600L);
    // Matched on the whole request path: the FHIR API is a servlet of its own under /fhir.
    RequestMatcher paths =
        new OrRequestMatcher(
            Stream.of(
                    fhir + "/**",
                    "/oauth2/token",
                    "/oauth2/revoke",
                    "/oauth2/introspect",
                    "/oauth2/jwks",
                    "/.well-known/**")
                .map(ResourceServerConfiguration::path)
                .toList());
    return request -> paths.matches(request) ? api : null;
  }

  /** Whether any origin besides the server's own may call the API. */
  static boolean corsEnabled(AppProperties properties) {
    return !properties.security().allowedOrigins().isEmpty();
  }

  /**
   * The headers of the server's own HTML pages (sign-in, patient picker, consent, errors); the VA
   * app under /app/ brings its own policy.
   */
  static void pageHeaders(HeadersConfigurer<?> headers) {
    RequestMatcher pages =
        new NegatedRequestMatcher(PathPatternRequestMatcher.withDefaults().matcher("/app/**"));
    headers
        .addHeaderWriter(
            new DelegatingRequestMatcherHeaderWriter(
                pages, new ContentSecurityPolicyHeaderWriter(PAGE_POLICY)))
        .addHeaderWriter(
            new DelegatingRequestMatcherHeaderWriter(
                pages,
                new ReferrerPolicyHeaderWriter(
                    ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER)))
        .addHeaderWriter(
            new DelegatingRequestMatcherHeaderWriter(
                PathPatternRequestMatcher.withDefaults().matcher("/app/**"),
                new ContentSecurityPolicyHeaderWriter(APP_POLICY)))
        .frameOptions(HeadersConfigurer.FrameOptionsConfig::deny);
  }
}
