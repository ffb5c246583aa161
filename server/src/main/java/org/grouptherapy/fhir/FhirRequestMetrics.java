package org.grouptherapy.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.micrometer.observation.ObservationRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.grouptherapy.system.AppProperties;
import org.springframework.boot.actuate.autoconfigure.observation.ObservationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.server.observation.DefaultServerRequestObservationConvention;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * Request metrics ({@code http.server.requests}) for the FHIR API without a Micrometer observation
 * per request. Spring Boot's observation filter costs about 4% of the CPU of a token-checked read
 * (JFR: an observation, its context, scope and long-task timer, and tags computed per request), and
 * for FHIR it could only say {@code uri="UNKNOWN"}, since HAPI is not a Spring MVC handler. Here a
 * FHIR request is timed directly and tagged with its route as HAPI resolved it ({@code
 * /fhir/Patient/{id}}, {@code /fhir/Appointment/$schedule-series}, {@code /fhir}), a bounded set:
 * only resource types and operations the server has a binding for. Every other path (the sign-in
 * pages, the authorization server, the web app) keeps Spring's observation, and both write the same
 * meter with the same tag keys, as the Prometheus registry requires.
 */
@Configuration(proxyBeanMethods = false)
class FhirRequestMetrics {

  static final String ROUTE = FhirRequestMetrics.class.getName() + ".route";

  /**
   * Takes the place of Spring Boot's observation filter: Boot backs off when a registration of
   * exactly this declared type exists (generics are compared invariantly, so not of a subclass).
   */
  @Bean
  FilterRegistrationBean<ServerHttpObservationFilter> httpRequestMetricsFilter(
      ObservationRegistry observations,
      ObservationProperties observationProperties,
      MeterRegistry meters,
      AppProperties properties) {
    String name = observationProperties.getHttp().getServer().getRequests().getName();
    TimedFilter filter =
        new TimedFilter(
            observations,
            new DefaultServerRequestObservationConvention(name),
            meters,
            name,
            properties.fhir().path());
    FilterRegistrationBean<ServerHttpObservationFilter> registration =
        new FilterRegistrationBean<>(filter);
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
    registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
    return registration;
  }

  /** Names the route of each FHIR request once HAPI has found the method that serves it. */
  @Bean
  RouteNamer fhirRouteNamer(AppProperties properties) {
    return new RouteNamer(properties.fhir().path());
  }

  @Interceptor
  static final class RouteNamer implements FhirRestInterceptor {

    private final String base;

    RouteNamer(String base) {
      this.base = base;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void name(ServletRequestDetails request, RestOperationTypeEnum operation) {
      request.getServletRequest().setAttribute(ROUTE, route(base, request, operation));
    }

    static String route(String base, ServletRequestDetails request, RestOperationTypeEnum type) {
      String typed =
          request.getResourceName() == null ? base : base + "/" + request.getResourceName();
      boolean instance = request.getId() != null && request.getId().hasIdPart();
      if (type == null) {
        return typed;
      }
      return switch (type) {
        case READ, UPDATE, PATCH, DELETE -> instance ? typed + "/{id}" : typed;
        case VREAD -> typed + "/{id}/_history/{vid}";
        case HISTORY_INSTANCE -> typed + "/{id}/_history";
        case HISTORY_TYPE -> typed + "/_history";
        case HISTORY_SYSTEM -> base + "/_history";
        case EXTENDED_OPERATION_INSTANCE -> typed + "/{id}/" + request.getOperation();
        case EXTENDED_OPERATION_TYPE -> typed + "/" + request.getOperation();
        case EXTENDED_OPERATION_SERVER -> base + "/" + request.getOperation();
        case METADATA -> base + "/metadata";
        case GET_PAGE -> base + "?_getpages";
        case TRANSACTION, BATCH, SEARCH_SYSTEM, GRAPHQL_REQUEST -> base;
        default -> typed;
      };
    }
  }

  /** Spring's observation filter for everything but the FHIR API, which it times itself. */
  static final class TimedFilter extends ServerHttpObservationFilter {

    private static final Set<String> METHODS =
        Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

    private final MeterRegistry meters;
    private final String name;
    private final String fhirPath;
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();

    TimedFilter(
        ObservationRegistry observations,
        DefaultServerRequestObservationConvention convention,
        MeterRegistry meters,
        String name,
        String fhirPath) {
      super(observations, convention);
      this.meters = meters;
      this.name = name;
      this.fhirPath = fhirPath;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      if (!FhirErrorResponses.underFhir(request.getRequestURI(), fhirPath)) {
        super.doFilterInternal(request, response, chain);
        return;
      }
      long started = System.nanoTime();
      Throwable failure = null;
      try {
        chain.doFilter(request, response);
      } catch (IOException | ServletException | RuntimeException | Error e) {
        failure = e;
        throw e;
      } finally {
        int status = response.getStatus();
        if (failure != null && status < 400) {
          status = 500;
        }
        timer(request, status, failure).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      }
    }

    private Timer timer(HttpServletRequest request, int status, Throwable failure) {
      String method = METHODS.contains(request.getMethod()) ? request.getMethod() : "UNKNOWN";
      Object route = request.getAttribute(ROUTE);
      String uri = route instanceof String named ? named : "UNKNOWN";
      String exception = failure == null ? "none" : failure.getClass().getSimpleName();
      String key = method + ' ' + status + ' ' + uri + ' ' + exception;
      return timers.computeIfAbsent(
          key,
          k ->
              Timer.builder(name)
                  .tags(
                      Tags.of(
                          "method", method,
                          "status", Integer.toString(status),
                          "uri", uri,
                          "outcome", Outcome.forStatus(status).name(),
                          "exception", exception,
                          "error", exception))
                  .register(meters));
    }
  }
}
