package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;

/**
 * A member never learns who else is in their group: in patient context (a patient/ token, or a user
 * whose role is PATIENT), a Group in a response keeps only that patient's own membership and no
 * head count, and a session (Appointment) only that patient among its participants. The stored
 * resources are not touched.
 */
@Component
@Interceptor
class MemberPrivacyInterceptor implements FhirRestInterceptor {

  private final CallerResolver callers;

  MemberPrivacyInterceptor(CallerResolver callers) {
    this.callers = callers;
  }

  @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
  public void hideOtherMembers(RequestDetails request, IBaseResource response) {
    Optional<String> self = callers.current(request).flatMap(c -> patientInContext(c.access()));
    if (self.isEmpty() || response == null) {
      return;
    }
    if (response instanceof Bundle bundle) {
      bundle.getEntry().forEach(e -> mask(e.getResource(), self.get()));
    } else {
      mask(response, self.get());
    }
  }

  private static Optional<String> patientInContext(SmartAccess access) {
    if (access.patientId() != null) {
      return Optional.of("Patient/" + access.patientId());
    }
    if (access.roles().contains(Role.PATIENT) && access.fhirUser() != null) {
      return Optional.of(access.fhirUser());
    }
    return Optional.empty();
  }

  private static void mask(IBaseResource resource, String self) {
    if (resource instanceof Group group) {
      group.getMember().removeIf(m -> !self.equals(versionless(m.getEntity())));
      group.setQuantityElement(null);
    } else if (resource instanceof Appointment session) {
      session
          .getParticipant()
          .removeIf(
              p ->
                  "Patient".equals(p.getActor().getReferenceElement().getResourceType())
                      && !self.equals(versionless(p.getActor())));
    }
  }

  private static String versionless(Reference reference) {
    return reference.getReferenceElement().toUnqualifiedVersionless().getValue();
  }
}
