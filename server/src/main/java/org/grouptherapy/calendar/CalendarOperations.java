package org.grouptherapy.calendar;

import static org.grouptherapy.kernel.access.OperationPermit.onInstances;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.fhir.ServerUrls;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.LocalDates;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.access.CallerGrants;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UrlType;
import org.springframework.stereotype.Component;

/** {@code $calendar} and {@code $calendar-feed} on Practitioner and Location. */
@Component
class CalendarOperations implements FhirOperationProvider, OperationAccess {

  private final CalendarService calendars;
  private final CalendarFeeds feeds;
  private final ServerUrls urls;
  private final Callers callers;
  private final DaoRegistry daos;
  private final PracticeTime time;

  CalendarOperations(
      CalendarService calendars,
      CalendarFeeds feeds,
      ServerUrls urls,
      Callers callers,
      DaoRegistry daos,
      PracticeTime time) {
    this.calendars = calendars;
    this.feeds = feeds;
    this.urls = urls;
    this.callers = callers;
    this.daos = daos;
    this.time = time;
  }

  @Override
  public List<OperationPermit> permits() {
    String readsCalendars =
        "Appointment and Slot read anywhere (user/Appointment.r user/Slot.r): staff or a system"
            + " client";
    String managesFeeds =
        "Appointment and Slot read and write anywhere (user/Appointment.cru user/Slot.cru): the"
            + " practitioner themself, a VA or an administrator";
    List<OperationPermit> permits = new ArrayList<>();
    for (Class<? extends IBaseResource> type : List.of(Practitioner.class, Location.class)) {
      permits.add(
          onInstances(
              OperationNames.CALENDAR, type, CalendarOperations::readsCalendars, readsCalendars));
      permits.add(
          onInstances(
              OperationNames.CALENDAR_FEED,
              type,
              g -> readsCalendars(g) && g.writesAnywhere("Appointment") && g.writesAnywhere("Slot"),
              managesFeeds));
    }
    return permits;
  }

  private static boolean readsCalendars(CallerGrants grants) {
    return grants.readsAnywhere("Appointment") && grants.readsAnywhere("Slot");
  }

  /** GET Practitioner/[id]/$calendar */
  @Operation(name = OperationNames.CALENDAR, type = Practitioner.class, idempotent = true)
  public Parameters practitionerCalendar(
      @IdParam IdType id,
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end) {
    return calendar(existing(id), start, end);
  }

  /** GET Location/[id]/$calendar */
  @Operation(name = OperationNames.CALENDAR, type = Location.class, idempotent = true)
  public Parameters locationCalendar(
      @IdParam IdType id,
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end) {
    return calendar(existing(id), start, end);
  }

  /** POST Practitioner/[id]/$calendar-feed */
  @Operation(name = OperationNames.CALENDAR_FEED, type = Practitioner.class)
  public Parameters practitionerFeed(
      @IdParam IdType id,
      @OperationParam(name = "revoke", max = 1) BooleanType revoke,
      RequestDetails request) {
    return feed(existing(id), revoke, request);
  }

  /** POST Location/[id]/$calendar-feed */
  @Operation(name = OperationNames.CALENDAR_FEED, type = Location.class)
  public Parameters locationFeed(
      @IdParam IdType id,
      @OperationParam(name = "revoke", max = 1) BooleanType revoke,
      RequestDetails request) {
    return feed(existing(id), revoke, request);
  }

  private String existing(IdType id) {
    String actor = id.toUnqualifiedVersionless().getValue();
    try {
      daos.getResourceDao(id.getResourceType()).read(new IdType(actor), new SystemRequestDetails());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw new ResourceNotFoundException(actor + " does not exist");
    }
    return actor;
  }

  private Parameters calendar(String actor, DateType startParam, DateType endParam) {
    ZoneId zone = time.zone();
    LocalDate start =
        startParam == null || !startParam.hasValue()
            ? time.today()
            : LocalDates.parse(
                "start", startParam.getValueAsString(), zone, LocalDates.Bound.START);
    LocalDate end =
        endParam == null || !endParam.hasValue()
            ? start.plusDays(6)
            : LocalDates.parse("end", endParam.getValueAsString(), zone, LocalDates.Bound.END);
    if (end.isBefore(start)) {
      throw InvalidParameter.malformed(
          "end", "end (" + end + ") is before start (" + start + "): the period is inverted");
    }
    PracticeTime.Window window = PracticeTime.days(start, end, zone);
    if (Duration.between(window.from(), window.to()).compareTo(CalendarService.MAXIMUM_WINDOW)
        > 0) {
      throw InvalidParameter.unprocessable(
          "end", "A calendar covers at most " + CalendarService.MAXIMUM_WINDOW.toDays() + " days");
    }
    List<CalendarService.Entry> entries = calendars.entries(actor, window.from(), window.to());
    Parameters out = new Parameters();
    out.addParameter().setName("start").setValue(new DateType(start.toString()));
    out.addParameter().setName("end").setValue(new DateType(end.toString()));
    out.addParameter()
        .setName("conflicts")
        .setValue(
            new IntegerType(
                (int) entries.stream().filter(e -> !e.conflictsWith().isEmpty()).count()));
    for (CalendarService.Entry entry : entries) {
      var part = out.addParameter().setName("entry");
      part.addPart().setName("resource").setValue(new Reference(entry.resource()));
      part.addPart().setName("kind").setValue(new CodeType(entry.kind()));
      part.addPart().setName("title").setValue(new StringType(entry.title()));
      part.addPart().setName("start").setValue(instant(entry.start()));
      part.addPart().setName("end").setValue(instant(entry.end()));
      part.addPart().setName("status").setValue(new CodeType(entry.status()));
      if (entry.place() != null) {
        part.addPart().setName("place").setValue(new StringType(entry.place()));
      }
      if (entry.joinUrl() != null) {
        part.addPart().setName("joinUrl").setValue(new UrlType(entry.joinUrl()));
      }
      part.addPart()
          .setName("conflict")
          .setValue(new BooleanType(!entry.conflictsWith().isEmpty()));
      for (String other : entry.conflictsWith()) {
        part.addPart().setName("conflictsWith").setValue(new Reference(other));
      }
    }
    return out;
  }

  private Parameters feed(String actor, BooleanType revoke, RequestDetails request) {
    var caller = callers.caller(request);
    boolean staff =
        caller.map(a -> a.roles().contains(Role.VA) || a.roles().contains(Role.ADMIN)).orElse(true)
            || caller.map(a -> !a.isUser()).orElse(true);
    boolean self = caller.map(a -> actor.equals(a.fhirUser())).orElse(false);
    if (!staff && !self) {
      throw new ForbiddenOperationException(
          "Only the practitioner themself, a VA or an administrator may manage "
              + actor
              + "'s feed");
    }
    Parameters out = new Parameters();
    if (revoke != null && Boolean.TRUE.equals(revoke.getValue())) {
      int revoked = feeds.revoke(actor);
      out.addParameter().setName("revoked").setValue(new IntegerType(revoked));
      return out;
    }
    if (revoke != null && !revoke.hasValue()) {
      throw new InvalidRequestException("revoke must be true or false");
    }
    String token = feeds.rotate(actor, callers.actor(request).orElse(null));
    out.addParameter()
        .setName("url")
        .setValue(new UrlType(urls.baseUrl() + CalendarFeedController.PATH + token + ".ics"));
    return out;
  }

  private InstantType instant(Instant instant) {
    return PracticeTime.instant(instant, time.zone());
  }
}
