package org.grouptherapy.kernel;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Schedule;
import org.springframework.stereotype.Component;

/**
 * Reads the resources scheduling decisions depend on (groups, rooms, schedules, practitioners)
 * through HAPI's DAOs, remembering each for the rest of the request: a series of 52 sessions reads
 * its group, room and facilitators once.
 */
@Component
public class CalendarDirectory {

  private static final String MEMO = CalendarDirectory.class.getName();

  private final DaoRegistry daos;
  private final PracticeTime time;

  CalendarDirectory(DaoRegistry daos, PracticeTime time) {
    this.daos = daos;
    this.time = time;
  }

  /** A group with its zone; 404 when it does not exist or was deleted. */
  public TherapyGroup therapyGroup(String id, RequestDetails request) {
    try {
      return TherapyGroup.of(group(id, request), time);
    } catch (ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
      throw new ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException(id + " was deleted");
    }
  }

  public Group group(String id, RequestDetails request) {
    return read(Group.class, id, request);
  }

  public Location location(String id, RequestDetails request) {
    return read(Location.class, id, request);
  }

  public Schedule schedule(String id, RequestDetails request) {
    return read(Schedule.class, id, request);
  }

  public Practitioner practitioner(String id, RequestDetails request) {
    return read(Practitioner.class, id, request);
  }

  /** The practitioner's active roles in the practice. */
  @SuppressWarnings("unchecked")
  public List<PractitionerRole> activeRoles(String practitionerId, RequestDetails request) {
    String key = "roles:" + References.unversioned(practitionerId);
    return (List<PractitionerRole>)
        memo(request)
            .computeIfAbsent(
                key,
                k -> {
                  SearchParameterMap search = SearchParameterMap.newSynchronous();
                  search.add(
                      PractitionerRole.SP_PRACTITIONER,
                      new ReferenceParam(References.unversioned(practitionerId)));
                  search.add(PractitionerRole.SP_ACTIVE, new TokenParam("true"));
                  return daos
                      .getResourceDao(PractitionerRole.class)
                      .searchForResources(search, new SystemRequestDetails())
                      .stream()
                      .map(PractitionerRole.class::cast)
                      .toList();
                });
  }

  /**
   * Remembers, for the rest of the request, every practitioner's active roles from one search of
   * them all (practitioners absent from it hold none): what {@link #activeRoles} then answers.
   */
  public void rememberActiveRoles(
      java.util.Collection<String> practitioners,
      List<PractitionerRole> roles,
      RequestDetails request) {
    Map<String, List<PractitionerRole>> byPractitioner = new HashMap<>();
    for (String practitioner : practitioners) {
      byPractitioner.put(References.unversioned(practitioner), new java.util.ArrayList<>());
    }
    for (PractitionerRole role : roles) {
      String practitioner = References.of(role.getPractitioner());
      if (practitioner != null && byPractitioner.containsKey(practitioner)) {
        byPractitioner.get(practitioner).add(role);
      }
    }
    Map<String, Object> memo = memo(request);
    byPractitioner.forEach((id, list) -> memo.put("roles:" + id, List.copyOf(list)));
  }

  /** A room that can be booked only once at a time: not virtual, not a kind of location. */
  public static boolean isPhysicalRoom(Location location) {
    return location.getMode() != Location.LocationMode.KIND && !isVirtual(location);
  }

  /** A video platform rather than a place (physical type "vi"). */
  public static boolean isVirtual(Location location) {
    return location.getPhysicalType().getCoding().stream().anyMatch(c -> "vi".equals(c.getCode()));
  }

  /**
   * A group that meets online: it has a join link, or its usual location (read through this
   * directory; one that no longer exists is not) is a video platform.
   */
  public boolean meetsOnline(Group group, RequestDetails request) {
    return TherapyGroup.meetsOnline(
        group,
        reference -> {
          try {
            return isVirtual(location(reference, request));
          } catch (ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException
              | ca.uhn.fhir.rest.server.exceptions.ResourceGoneException e) {
            return false;
          }
        });
  }

  public static Optional<Integer> roomCapacity(Location location) {
    Extension capacity = location.getExtensionByUrl(SchedulingCodes.LOCATION_CAPACITY);
    if (capacity == null || !(capacity.getValue() instanceof org.hl7.fhir.r4.model.IntegerType n)) {
      return Optional.empty();
    }
    return Optional.ofNullable(n.getValue());
  }

  private <T extends IBaseResource> T read(Class<T> type, String id, RequestDetails request) {
    String key = References.unversioned(id.contains("/") ? id : type.getSimpleName() + "/" + id);
    Function<String, Object> load =
        k -> daos.getResourceDao(type).read(new IdType(k), new SystemRequestDetails());
    return type.cast(memo(request).computeIfAbsent(key, load));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> memo(RequestDetails request) {
    if (request == null) {
      return new HashMap<>();
    }
    return (Map<String, Object>) request.getUserData().computeIfAbsent(MEMO, k -> new HashMap<>());
  }
}
