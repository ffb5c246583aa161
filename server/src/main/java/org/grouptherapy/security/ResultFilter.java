package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import java.util.Set;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * In an answer of many resources (a search with {@code _include} or {@code _revinclude}, a page,
 * history, {@code $everything}), a resource the caller may not read is left out rather than failing
 * the whole answer: a refusal would tell that such a resource exists (a diagnosis, a co-member's
 * Provenance). A single resource read by id is still refused (403).
 */
@Component
@Interceptor
class ResultFilter implements FhirRestInterceptor {

  private static final Set<RestOperationTypeEnum> MANY =
      Set.of(
          RestOperationTypeEnum.SEARCH_TYPE,
          RestOperationTypeEnum.SEARCH_SYSTEM,
          RestOperationTypeEnum.GET_PAGE,
          RestOperationTypeEnum.HISTORY_INSTANCE,
          RestOperationTypeEnum.HISTORY_TYPE,
          RestOperationTypeEnum.HISTORY_SYSTEM,
          RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE,
          RestOperationTypeEnum.EXTENDED_OPERATION_TYPE);

  private final CallerResolver callers;
  private final ObjectProvider<SmartAuthorizationInterceptor> authorization;

  ResultFilter(
      CallerResolver callers, ObjectProvider<SmartAuthorizationInterceptor> authorization) {
    this.callers = callers;
    this.authorization = authorization;
  }

  /** Before the AuthorizationInterceptor's own check of the same resources (order 0). */
  @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = -10)
  public void leaveOutWhatTheCallerMayNotRead(
      RequestDetails request, IPreResourceShowDetails details) {
    if (request == null || !MANY.contains(request.getRestOperationType())) {
      return;
    }
    SmartAuthorizationInterceptor rules = authorization.getIfAvailable();
    if (rules == null || callers.current(request).isEmpty()) {
      return;
    }
    for (int i = 0; i < details.size(); i++) {
      IBaseResource resource = details.getResource(i);
      if (resource != null
          && rules
                  .applyRulesAndReturnDecision(
                      request.getRestOperationType(),
                      request,
                      null,
                      resource.getIdElement(),
                      resource,
                      Pointcut.STORAGE_PRESHOW_RESOURCES)
                  .getDecision()
              != PolicyEnum.ALLOW) {
        details.setResource(i, null);
      }
    }
  }
}
