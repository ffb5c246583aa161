package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.springframework.stereotype.Component;

/**
 * The audit trail names what was touched; that must not stop the resource from being deleted (HAPI
 * would refuse with 409 because an AuditEvent refers to it). The AuditEvent keeps its reference,
 * which then points at the deleted resource's history.
 */
@Component
@Interceptor
class AuditReferencesNeverBlockDeletes implements FhirStorageInterceptor {

  @Hook(Pointcut.STORAGE_PRESTORAGE_DELETE_CONFLICTS)
  public void ignoreAuditEventReferences(DeleteConflictList conflicts) {
    conflicts.removeIf(c -> Role.AUDIT_EVENT.equals(c.getSourceId().getResourceType()));
  }
}
