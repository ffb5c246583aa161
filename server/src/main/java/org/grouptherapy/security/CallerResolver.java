package org.grouptherapy.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/** The caller of the current FHIR request, worked out once per request from its access token. */
@Component
public class CallerResolver {

  private static final String KEY = CallerResolver.class.getName();

  /** A caller with the grants of their token and the HAPI rules built from them. */
  public record Caller(SmartAccess access, List<AccessRules.Grant> grants, List<IAuthRule> rules) {}

  private final TherapistCaseload caseload;

  /** Per token: a client sends the same one with many requests. */
  private final Cache<String, Caller> byToken =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();

  CallerResolver(TherapistCaseload caseload) {
    this.caseload = caseload;
  }

  /**
   * Who is acting, for notes, Provenance and audit: the signed-in user's FHIR reference
   * ("Practitioner/7"), else the client id of a system client; empty outside a signed-in request.
   */
  public Optional<String> actor(RequestDetails request) {
    return current(request).map(c -> actorOf(c.access()));
  }

  /**
   * An actor as a Provenance agent: the user's FHIR reference, else "client {id}" as a display,
   * else {@code nobody} (the server's own work).
   */
  public static org.hl7.fhir.r4.model.Reference agent(String actor, String nobody) {
    if (actor != null && actor.contains("/")) {
      return new org.hl7.fhir.r4.model.Reference(actor);
    }
    return new org.hl7.fhir.r4.model.Reference()
        .setDisplay(actor == null ? nobody : "client " + actor);
  }

  private static String actorOf(SmartAccess access) {
    return access.fhirUser() != null ? access.fhirUser() : access.clientId();
  }

  public Optional<Caller> current(RequestDetails request) {
    if (request != null && request.getUserData().get(KEY) instanceof Caller cached) {
      return Optional.of(cached);
    }
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (!(authentication instanceof JwtAuthenticationToken token)) {
      return Optional.empty();
    }
    Caller caller =
        byToken.get(
            token.getToken().getTokenValue(),
            value -> {
              SmartAccess access = SmartAccess.fromJwt(token.getToken());
              List<AccessRules.Grant> grants = AccessRules.grants(access, caseload::patientsOf);
              return new Caller(access, grants, AccessRules.rules(access, grants));
            });
    if (request != null) {
      request.getUserData().put(KEY, caller);
    }
    return Optional.of(caller);
  }
}
