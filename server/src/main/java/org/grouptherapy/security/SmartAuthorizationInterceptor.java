package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.List;
import java.util.Map;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.grouptherapy.security.SmartScope.Permission;

/**
 * SMART scopes and roles on every FHIR interaction. HAPI's AuthorizationInterceptor applies the
 * rules of {@link AccessRules} to requests, transaction entries, search results, includes, history,
 * operations and Bulk export; this class adds the checks HAPI's rules do not distinguish (read vs
 * search, create vs update), so that {@code user/Patient.r} cannot search and {@code
 * system/Claim.u} cannot create.
 */
@Interceptor
class SmartAuthorizationInterceptor extends AuthorizationInterceptor
    implements FhirRestInterceptor {

  private static final Map<RestOperationTypeEnum, Permission> NEEDS =
      Map.ofEntries(
          Map.entry(RestOperationTypeEnum.READ, Permission.READ),
          Map.entry(RestOperationTypeEnum.VREAD, Permission.READ),
          Map.entry(RestOperationTypeEnum.HISTORY_INSTANCE, Permission.READ),
          Map.entry(RestOperationTypeEnum.SEARCH_TYPE, Permission.SEARCH),
          Map.entry(RestOperationTypeEnum.HISTORY_TYPE, Permission.SEARCH),
          Map.entry(RestOperationTypeEnum.CREATE, Permission.CREATE),
          Map.entry(RestOperationTypeEnum.UPDATE, Permission.UPDATE),
          Map.entry(RestOperationTypeEnum.PATCH, Permission.UPDATE),
          Map.entry(RestOperationTypeEnum.DELETE, Permission.DELETE));

  private final CallerResolver callers;

  SmartAuthorizationInterceptor(CallerResolver callers) {
    super(PolicyEnum.DENY);
    this.callers = callers;
  }

  @Override
  public List<IAuthRule> buildRuleList(RequestDetails request) {
    return callers
        .current(request)
        .map(CallerResolver.Caller::rules)
        .orElseGet(() -> new RuleBuilder().allow().metadata().andThen().denyAll().build());
  }

  /**
   * Every refusal says what was refused, who it is for and what the caller holds (not HAPI's
   * "Access denied by default policy").
   */
  @Override
  protected void handleDeny(RequestDetails request, Verdict decision) {
    throw new ForbiddenOperationException(
        Refusals.explain(request, callers.current(request), callers.permits()));
  }

  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -10)
  public void requirePermissionForInteraction(
      RequestDetails request, RestOperationTypeEnum operation) {
    Permission needed = NEEDS.get(operation);
    String type = request.getResourceName();
    if (needed == null || type == null) {
      return;
    }
    if ("Binary".equals(type) && needed == Permission.READ) {
      // A bulk export's files: HAPI's rules let an exporting client read Binaries, and
      // ExportFileAccess lets it read only the files of its own exports.
      return;
    }
    callers
        .current(request)
        .ifPresent(
            caller -> {
              boolean granted =
                  caller.grants().stream()
                      .anyMatch(g -> g.appliesTo(type) && g.permissions().contains(needed));
              if (!granted) {
                throw new ForbiddenOperationException(
                    "The access token does not allow "
                        + needed.name().toLowerCase()
                        + " on "
                        + type
                        + ". Ask for a scope such as user/"
                        + type
                        + "."
                        + needed.letter
                        + " that your role permits.");
              }
            });
  }
}
