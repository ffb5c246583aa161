package org.grouptherapy.fhir;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every error under the FHIR base is an OperationOutcome, also for requests HAPI never sees: Tomcat
 * refusing a request line ({@link FhirErrorValve}) and query strings HAPI cannot decode (a stray
 * {@code %}), which it would answer with 500.
 */
@Configuration(proxyBeanMethods = false)
class FhirErrorPages {

  /** Runs after Spring Boot's own customizer, replacing the error valve it puts on the host. */
  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> fhirErrorValve(
      AppProperties properties) {
    return new WebServerFactoryCustomizer<>() {
      @Override
      public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(
            context -> {
              StandardHost host = (StandardHost) context.getParent();
              for (Valve valve : host.getPipeline().getValves()) {
                if (valve instanceof ErrorReportValve) {
                  host.getPipeline().removeValve(valve);
                }
              }
              FhirErrorValve valve = new FhirErrorValve();
              valve.setFhirPath(properties.fhir().path());
              host.getPipeline().addValve(valve);
              host.setErrorReportValveClass(FhirErrorValve.class.getName());
            });
      }
    };
  }

  @Bean
  FilterRegistrationBean<QueryEncodingFilter> queryEncodingFilter(AppProperties properties) {
    FilterRegistrationBean<QueryEncodingFilter> registration =
        new FilterRegistrationBean<>(new QueryEncodingFilter());
    registration.addUrlPatterns(properties.fhir().path() + "/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    return registration;
  }

  @Bean
  FilterRegistrationBean<ReadinessGate> readinessGate(ApplicationAvailability availability) {
    FilterRegistrationBean<ReadinessGate> registration =
        new FilterRegistrationBean<>(new ReadinessGate(availability));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }

  @Bean
  FilterRegistrationBean<DatabaseUnavailable.Filter> databaseUnavailableFilter() {
    FilterRegistrationBean<DatabaseUnavailable.Filter> registration =
        new FilterRegistrationBean<>(new DatabaseUnavailable.Filter());
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
    return registration;
  }

  /** 400 for a query string with a {@code %} not followed by two hex digits. */
  static final class QueryEncodingFilter extends OncePerRequestFilter {
    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      if (!wellEncoded(request.getQueryString())) {
        FhirErrorResponses.write(
            request,
            response,
            HttpServletResponse.SC_BAD_REQUEST,
            OperationOutcome.IssueType.INVALID,
            "The query string has a malformed percent-encoding: every % must be followed by two"
                + " hexadecimal digits (write a literal % as %25).");
        return;
      }
      chain.doFilter(request, response);
    }

    static boolean wellEncoded(String query) {
      if (query == null) {
        return true;
      }
      for (int i = 0; i < query.length(); i++) {
        if (query.charAt(i) == '%'
            && (i + 2 >= query.length()
                || Character.digit(query.charAt(i + 1), 16) < 0
                || Character.digit(query.charAt(i + 2), 16) < 0)) {
          return false;
        }
      }
      return true;
    }
  }
}
