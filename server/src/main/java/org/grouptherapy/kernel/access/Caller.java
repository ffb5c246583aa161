package org.grouptherapy.kernel.access;

import java.util.Set;

/** Who is calling, as a feature may ask: the app, the signed-in person and their roles. */
public interface Caller {

  /** The app (OAuth client) that holds the token. */
  String clientId();

  /** The signed-in person's FHIR resource ("Practitioner/12"), or null. */
  String fhirUser();

  /** The patient in context (patient/ scopes), or null. */
  String patientId();

  Set<Role> roles();

  /** A person's token (user/ scopes, limited by their roles), not a system client's. */
  default boolean isUser() {
    return !roles().isEmpty();
  }

  default boolean has(Role role) {
    return roles().contains(role);
  }

  /** Who acts, for notes and Provenance: the person's FHIR reference, else the client id. */
  default String actor() {
    return fhirUser() != null ? fhirUser() : clientId();
  }
}
