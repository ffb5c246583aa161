package org.grouptherapy.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
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

  /** A caller with the grants of their token. */
  public record Caller(SmartAccess access, List<AccessRules.Grant> grants) {}

  private final TherapistCaseload caseload;

  CallerResolver(TherapistCaseload caseload) {
    this.caseload = caseload;
  }

  public Optional<Caller> current(RequestDetails request) {
    if (request != null && request.getUserData().get(KEY) instanceof Caller cached) {
      return Optional.of(cached);
    }
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (!(authentication instanceof JwtAuthenticationToken token)) {
      return Optional.empty();
    }
    SmartAccess access = SmartAccess.fromJwt(token.getToken());
    Caller caller = new Caller(access, AccessRules.grants(access, caseload::patientsOf));
    if (request != null) {
      request.getUserData().put(KEY, caller);
    }
    return Optional.of(caller);
  }
}
