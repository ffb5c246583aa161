package org.grouptherapy.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.scheduling.SeriesRequests.VenueChoice;
import org.grouptherapy.scheduling.SessionMapper.Venue;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Practitioner;
import org.springframework.stereotype.Component;

/** Checks the room, platform and people a request names against what is stored. */
@Component
class Venues {

  private final DaoRegistry daos;

  Venues(DaoRegistry daos) {
    this.daos = daos;
  }

  /**
   * Where the sessions take place: the room asked for (a physical, active room at the group's
   * site), a virtual link (on the group's platform), or the group's usual room or platform.
   */
  Venue resolve(TherapyGroup group, VenueChoice choice, RequestDetails request) {
    if (choice.virtual().isPresent()) {
      String platform =
          group
              .defaultLocation()
              .filter(l -> !CalendarDirectory.isPhysicalRoom(location("virtual", l, request)))
              .orElse(null);
      return new Venue(platform, false, choice.virtual().get());
    }
    if (choice.room().isPresent()) {
      String room = choice.room().get();
      Location location = location("room", room, request);
      if (!CalendarDirectory.isPhysicalRoom(location)) {
        throw InvalidParameter.unprocessable(
            "room", room + " is a virtual platform, not a room: send virtual with the join link");
      }
      if (location.getStatus() == Location.LocationStatus.INACTIVE) {
        throw InvalidParameter.unprocessable("room", room + " is inactive");
      }
      homeSite(group, request)
          .filter(site -> location.hasPartOf())
          .filter(site -> !site.equals(References.of(location.getPartOf())))
          .ifPresent(
              site -> {
                throw InvalidParameter.unprocessable(
                    "room",
                    room
                        + " is at "
                        + References.of(location.getPartOf())
                        + ", another site than the group's room at "
                        + site
                        + "; members expect the group at its own site");
              });
      return new Venue(room, true, null);
    }
    String usual =
        group
            .defaultLocation()
            .orElseThrow(
                () ->
                    InvalidParameter.malformed(
                        "room", group.id() + " has no default room: give room or virtual"));
    boolean physical = CalendarDirectory.isPhysicalRoom(location("room", usual, request));
    if (!physical && group.joinUrl().isEmpty()) {
      throw InvalidParameter.malformed(
          "virtual", group.id() + " meets virtually but has no join link: give virtual");
    }
    return new Venue(usual, physical, physical ? null : group.joinUrl().get());
  }

  /** The site (Location.partOf) of the group's usual room, when it has a physical one. */
  private Optional<String> homeSite(TherapyGroup group, RequestDetails request) {
    return group
        .defaultLocation()
        .map(l -> location("room", l, request))
        .filter(CalendarDirectory::isPhysicalRoom)
        .filter(Location::hasPartOf)
        .map(home -> References.of(home.getPartOf()));
  }

  private Location location(String parameter, String id, RequestDetails request) {
    try {
      return daos.getResourceDao(Location.class).read(new IdType(id), request);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw InvalidParameter.unprocessable(parameter, parameter + " " + id + " does not exist");
    }
  }

  /** An active practitioner named by a parameter; 422 when unknown or inactive. */
  Practitioner practitioner(String parameter, String id, RequestDetails request) {
    if (!References.isOf(id, "Practitioner")) {
      throw InvalidParameter.malformed(parameter, parameter + " must be a Practitioner reference");
    }
    try {
      Practitioner practitioner =
          daos.getResourceDao(Practitioner.class).read(new IdType(id), request);
      if (practitioner.hasActive() && !practitioner.getActive()) {
        throw InvalidParameter.unprocessable(parameter, id + " is not active");
      }
      return practitioner;
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw InvalidParameter.unprocessable(parameter, parameter + " " + id + " does not exist");
    }
  }
}
