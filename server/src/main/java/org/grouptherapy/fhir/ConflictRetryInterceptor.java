package org.grouptherapy.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.ResourceVersionConflictResolutionStrategy;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.EnumSet;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Makes concurrent conditional writes safe without asking clients for HAPI's retry header.
 *
 * <p>HAPI stores the match URL of every conditional create in a table with a unique key
 * (HFJ_RES_SEARCH_URL), so of two identical {@code If-None-Exist} creates racing, the second fails
 * its insert. Retrying that request in a new transaction finds the resource the winner created and
 * answers 200 with it, which is what the client asked for. Transactions and batches are retried
 * too, since their entries may be conditional. Only the conflicted request is retried, and only a
 * few times.
 */
@Component
@Interceptor
class ConflictRetryInterceptor implements FhirStorageInterceptor {

  static final int MAX_RETRIES = 5;

  private static final Set<RestOperationTypeEnum> ALWAYS_RETRIED =
      EnumSet.of(RestOperationTypeEnum.TRANSACTION, RestOperationTypeEnum.BATCH);

  @Hook(value = Pointcut.STORAGE_VERSION_CONFLICT, order = 200)
  public ResourceVersionConflictResolutionStrategy retryConditionalWrites(RequestDetails request) {
    ResourceVersionConflictResolutionStrategy strategy =
        new ResourceVersionConflictResolutionStrategy();
    if (request != null && isRetryable(request)) {
      strategy.setRetry(true);
      strategy.setMaxRetries(MAX_RETRIES);
    }
    return strategy;
  }

  private static boolean isRetryable(RequestDetails request) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (operation == null) {
      return false;
    }
    if (ALWAYS_RETRIED.contains(operation)) {
      return true;
    }
    boolean conditionalCreate =
        operation == RestOperationTypeEnum.CREATE
            && request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null;
    boolean conditionalUpdate =
        operation == RestOperationTypeEnum.UPDATE && request.getConditionalUrl(operation) != null;
    return conditionalCreate || conditionalUpdate;
  }
}
