package org.grouptherapy.kernel.access;

import java.util.Collection;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * What a caller's token allows with resources, as an operation permit asks it. "Anywhere" means
 * beyond any one patient's compartment: operations work across patients.
 */
public interface CallerGrants {

  Caller caller();

  /** Reads resources of the type anywhere. */
  boolean readsAnywhere(String type);

  /** Creates and updates resources of the type anywhere. */
  boolean writesAnywhere(String type);

  /** Updates resources of the type anywhere. */
  boolean updatesAnywhere(String type);

  /**
   * The patients whose resources of the type the caller may read, when their reads are bound to
   * patient compartments; empty when they read anywhere or nowhere (see {@link #readsAnywhere}).
   */
  Optional<Collection<IIdType>> readablePatients(String type);

  /** How far the caller may read resources of the type: anywhere, some patients', or not. */
  default OperationPermit.Reach reads(String type) {
    if (readsAnywhere(type)) {
      return OperationPermit.Reach.ANY;
    }
    return readablePatients(type)
        .map(OperationPermit.Reach::only)
        .orElse(OperationPermit.Reach.NONE);
  }

  /** A backend client with system/ scopes, acting for no person and no patient. */
  default boolean isSystem() {
    return !caller().isUser() && caller().patientId() == null;
  }

  /** A person holding one of these roles, or a system client (which has no role). */
  default boolean isSystemOr(Role... roles) {
    if (!caller().isUser()) {
      return caller().patientId() == null;
    }
    for (Role role : roles) {
      if (caller().has(role)) {
        return true;
      }
    }
    return false;
  }
}
