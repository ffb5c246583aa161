package org.grouptherapy.security;

import java.util.Optional;
import java.util.Set;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;

/**
 * SMART semantics for the scopes a client may be granted: a client registered for {@code
 * system/*.cruds} may ask for {@code system/Patient.rs} or {@code system/Claim.read}, which the
 * authorization server's exact string match would refuse.
 */
final class SmartScopeValidation {

  private SmartScopeValidation() {}

  static void requireCovered(Set<String> requested, Set<String> registered) {
    for (String scope : requested) {
      if (!isCovered(scope, registered)) {
        throw new OAuth2AuthenticationException(
            new OAuth2Error(
                OAuth2ErrorCodes.INVALID_SCOPE,
                "The client may not be granted the scope " + scope,
                null));
      }
    }
  }

  static boolean isCovered(String scope, Set<String> registered) {
    if (registered.contains(scope)) {
      return true;
    }
    Optional<SmartScope> wanted = SmartScope.parse(scope);
    return wanted.isPresent()
        && registered.stream()
            .map(SmartScope::parse)
            .flatMap(Optional::stream)
            .anyMatch(allowed -> allowed.covers(wanted.get()));
  }
}
