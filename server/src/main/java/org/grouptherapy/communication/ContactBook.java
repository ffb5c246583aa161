package org.grouptherapy.communication;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.RelatedPerson;
import org.springframework.stereotype.Component;

/** Where to reach a person (email, mobile number) and what a session's place is called. */
@Component
class ContactBook {

  private final DaoRegistry daos;

  ContactBook(DaoRegistry daos) {
    this.daos = daos;
  }

  /** The person's current email address, if any. */
  Optional<String> email(String who, RequestDetails request) {
    return telecom(who, request).stream()
        .filter(t -> t.getSystem() == ContactPoint.ContactPointSystem.EMAIL)
        .map(ContactPoint::getValue)
        .findFirst();
  }

  /** A number that takes text messages: system {@code sms}, or a phone whose use is mobile. */
  Optional<String> mobile(String who, RequestDetails request) {
    return telecom(who, request).stream()
        .filter(
            t ->
                t.getSystem() == ContactPoint.ContactPointSystem.SMS
                    || (t.getSystem() == ContactPoint.ContactPointSystem.PHONE
                        && t.getUse() == ContactPoint.ContactPointUse.MOBILE))
        .map(ContactPoint::getValue)
        .findFirst();
  }

  /** The name of the session's place (its first Location participant), remembered in places. */
  Optional<String> place(Appointment session, Map<String, String> places, RequestDetails request) {
    for (Appointment.AppointmentParticipantComponent p : session.getParticipant()) {
      String actor = References.of(p.getActor());
      if (actor != null && actor.startsWith("Location/")) {
        return Optional.of(
            places.computeIfAbsent(
                actor,
                a -> {
                  Location location =
                      daos.getResourceDao(Location.class).read(new IdType(a), request);
                  return location.hasName() ? location.getName() : a;
                }));
      }
    }
    return Optional.empty();
  }

  /** Telecom in use (not {@code old}, with a value); none when the person cannot be read. */
  private List<ContactPoint> telecom(String who, RequestDetails request) {
    IBaseResource resource;
    try {
      resource =
          daos.getResourceDao(who.substring(0, who.indexOf('/'))).read(new IdType(who), request);
    } catch (RuntimeException e) {
      return List.of();
    }
    List<ContactPoint> telecom = List.of();
    if (resource instanceof Patient p) {
      telecom = p.getTelecom();
    } else if (resource instanceof Practitioner p) {
      telecom = p.getTelecom();
    } else if (resource instanceof PractitionerRole r) {
      telecom = r.getTelecom();
    } else if (resource instanceof RelatedPerson r) {
      telecom = r.getTelecom();
    } else if (resource instanceof Organization o) {
      telecom = o.getTelecom();
    }
    return telecom.stream()
        .filter(t -> t.hasValue() && t.getUse() != ContactPoint.ContactPointUse.OLD)
        .toList();
  }
}
