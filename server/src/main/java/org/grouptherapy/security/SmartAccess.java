package org.grouptherapy.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.access.Caller;
import org.grouptherapy.kernel.access.Role;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Who is calling and what their token lets them do, read from a validated access token.
 *
 * @param subject the user or client the token was issued to
 * @param clientId the app that holds the token
 * @param fhirUser the FHIR resource of the signed-in user ({@code Practitioner/12}), or null
 * @param patientId the patient in context (patient/ scopes), or null
 */
public record SmartAccess(
    String subject,
    String clientId,
    String fhirUser,
    String patientId,
    Set<Role> roles,
    List<SmartScope> scopes)
    implements Caller {

  public static SmartAccess fromJwt(Jwt jwt) {
    List<SmartScope> scopes = new ArrayList<>();
    for (String scope : scopeValues(jwt.getClaim("scope"))) {
      SmartScope.parse(scope).ifPresent(scopes::add);
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (String role : scopeValues(jwt.getClaim("roles"))) {
      Role.fromClaim(role).ifPresent(roles::add);
    }
    String clientId =
        Optional.ofNullable(jwt.getClaimAsString("client_id")).orElse(jwt.getClaimAsString("azp"));
    return new SmartAccess(
        jwt.getSubject(),
        clientId,
        jwt.getClaimAsString("fhirUser"),
        jwt.getClaimAsString("patient"),
        roles,
        List.copyOf(scopes));
  }

  private static List<String> scopeValues(Object claim) {
    if (claim instanceof String text) {
      return List.of(text.trim().split("\\s+"));
    }
    if (claim instanceof Collection<?> values) {
      return values.stream().map(String::valueOf).toList();
    }
    return List.of();
  }

  public boolean isAdmin() {
    return roles.contains(Role.ADMIN);
  }

  /** A user token: its user/ scopes are further limited by the user's roles. */
  @Override
  public boolean isUser() {
    return !roles.isEmpty();
  }
}
