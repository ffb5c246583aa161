package org.grouptherapy.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IIdType;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/** The caller of the current FHIR request, worked out once per request from its access token. */
@Component
public class CallerResolver implements Callers {

  private static final String KEY = CallerResolver.class.getName();

  /** A caller with the grants of their token and the HAPI rules built from them. */
  public record Caller(
      SmartAccess access,
      List<AccessRules.Grant> grants,
      List<IAuthRule> rules,
      Set<IIdType> caseload) {

    /** What the grants allow, as permits and search checks ask it. */
    AccessRules.GrantsView view() {
      return new AccessRules.GrantsView(access, grants);
    }
  }

  private final TherapistCaseload caseload;
  private final ObjectProvider<OperationAccess> operations;
  private volatile List<OperationPermit> permits;

  /** Per token: a client sends the same one with many requests. */
  private final Cache<String, Caller> byToken =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();

  CallerResolver(TherapistCaseload caseload, ObjectProvider<OperationAccess> operations) {
    this.caseload = caseload;
    this.operations = operations;
  }

  /** Every feature's operation permits, gathered once (the features depend on this class). */
  List<OperationPermit> permits() {
    List<OperationPermit> known = permits;
    if (known == null) {
      known = operations.orderedStream().flatMap(o -> o.permits().stream()).toList();
      permits = known;
    }
    return known;
  }

  @Override
  public Optional<org.grouptherapy.kernel.access.Caller> caller(RequestDetails request) {
    return current(request).map(Caller::access);
  }

  public Optional<Caller> current(RequestDetails request) {
    if (request != null && request.getUserData().get(KEY) instanceof Caller cached) {
      return Optional.of(cached);
    }
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (!(authentication instanceof JwtAuthenticationToken token)) {
      return Optional.empty();
    }
    String key = token.getToken().getTokenValue();
    Caller caller = byToken.getIfPresent(key);
    SmartAccess access = caller != null ? caller.access() : SmartAccess.fromJwt(token.getToken());
    // A therapist's caseload is read afresh: an assignment made on another instance a moment ago
    // counts now, and one taken away no longer does.
    Set<IIdType> caseload =
        access.roles().contains(Role.THERAPIST) && access.fhirUser() != null
            ? this.caseload.patientsOf(access.fhirUser())
            : Set.of();
    if (caller == null || !caller.caseload().equals(caseload)) {
      List<AccessRules.Grant> grants = AccessRules.grants(access, practitioner -> caseload);
      caller = new Caller(access, grants, AccessRules.rules(access, grants, permits()), caseload);
      byToken.put(key, caller);
    }
    if (request != null) {
      request.getUserData().put(KEY, caller);
    }
    return Optional.of(caller);
  }
}
