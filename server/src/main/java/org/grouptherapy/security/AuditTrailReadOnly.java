package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import jakarta.servlet.http.HttpServletRequest;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.stereotype.Component;

/**
 * The audit trail is written by the server alone ({@link AuditTrail}, into its own table) and is
 * read-only for everyone, administrators and system clients included, whatever the path: a REST
 * write, an entry of a transaction or batch, an operation, an import. No AuditEvent is ever stored
 * in the FHIR repository, so history and Bulk export hold none that could pass for the real trail.
 */
@Component
@Interceptor
class AuditTrailReadOnly implements FhirStorageInterceptor {

  /** The REST interface: every write of AuditEvent is 405, before anything else is looked at. */
  @Component
  @Interceptor
  static class Rest implements FhirRestInterceptor {

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_PROCESSED)
    public boolean refuseWrites(HttpServletRequest request) {
      String method = request.getMethod();
      if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method)) {
        return true;
      }
      String path = request.getPathInfo() == null ? "" : request.getPathInfo();
      if (path.equals("/" + Role.AUDIT_EVENT) || path.startsWith("/" + Role.AUDIT_EVENT + "/")) {
        if (!path.equals("/" + Role.AUDIT_EVENT + "/_search")) {
          throw new MethodNotAllowedException(REFUSAL, RequestTypeEnum.GET);
        }
      }
      return true;
    }
  }

  static final String REFUSAL =
      "The audit trail is written by the server only: an AuditEvent cannot be created, changed or"
          + " deleted";

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    refuseAuditEvent(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    refuseAuditEvent(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    refuseAuditEvent(resource);
  }

  private static void refuseAuditEvent(IBaseResource resource) {
    if (resource != null && Role.AUDIT_EVENT.equals(resource.fhirType())) {
      throw new ForbiddenOperationException(REFUSAL);
    }
  }
}
