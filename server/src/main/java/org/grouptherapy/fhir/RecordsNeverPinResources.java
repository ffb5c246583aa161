package org.grouptherapy.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.DeleteConflict;
import ca.uhn.fhir.jpa.api.model.DeleteConflictList;
import ca.uhn.fhir.jpa.delete.DeleteConflictOutcome;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * A record of what happened never stops what it describes from changing. Provenance (an override,
 * who recorded attendance, a claim stored past the guard) and AuditEvent point at the resources
 * they are about; HAPI's referential integrity would then refuse to delete those resources (409
 * "Unable to delete Slot ... referenced by Provenance"), so a session booked through a conflict
 * could never be covered or cancelled, as both delete its calendar blocks. References from these
 * records are history, not dependencies: they are left out of the delete check, and keep pointing
 * at the deleted version, which stays readable through {@code _history}. Every other reference
 * still blocks a delete.
 */
@Component
@Interceptor
class RecordsNeverPinResources implements FhirStorageInterceptor {

  static final Set<String> RECORD_TYPES = Set.of("Provenance", "AuditEvent");

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_DELETE_CONFLICTS, order = -100)
  public DeleteConflictOutcome ignoreRecords(DeleteConflictList conflicts) {
    conflicts.removeIf(RecordsNeverPinResources::fromARecord);
    return null;
  }

  static boolean fromARecord(DeleteConflict conflict) {
    String type = conflict.getSourceId() == null ? null : conflict.getSourceId().getResourceType();
    return type != null && RECORD_TYPES.contains(type);
  }
}
