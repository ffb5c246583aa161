package org.grouptherapy.kernel.access;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import org.hl7.fhir.r4.model.Reference;

/** The caller of the current FHIR request, for the features (the security package knows how). */
public interface Callers {

  /** The caller; empty outside a signed-in request (the server's own work, security off). */
  Optional<Caller> caller(RequestDetails request);

  /**
   * Who is acting, for notes, Provenance and audit: the signed-in user's FHIR reference
   * ("Practitioner/7"), else the client id of a system client; empty outside a signed-in request.
   */
  default Optional<String> actor(RequestDetails request) {
    return caller(request).map(Caller::actor);
  }

  /**
   * An actor as a Provenance agent: the user's FHIR reference, else "client {id}" as a display,
   * else {@code nobody} (the server's own work).
   */
  static Reference agent(String actor, String nobody) {
    if (actor != null && actor.contains("/")) {
      return new Reference(actor);
    }
    return new Reference().setDisplay(actor == null ? nobody : "client " + actor);
  }
}
