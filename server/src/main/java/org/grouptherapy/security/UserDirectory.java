package org.grouptherapy.security;

import java.util.Optional;

/** Links a signed-in user to their FHIR resource ({@code fhirUser}): a Practitioner or Patient. */
public interface UserDirectory {

  Optional<String> fhirUser(String username);

  /** Used when no directory is configured: users have no FHIR resource. */
  UserDirectory NONE = username -> Optional.empty();
}
