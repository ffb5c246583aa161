package org.grouptherapy.calendar;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.fhir.ServerUrls;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.kernel.access.Role;
import org.grouptherapy.system.AppProperties;
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
class CalendarOperations implements FhirOperationProvider {

  private final CalendarService calendars;
  private final CalendarFeeds feeds;
  private final ServerUrls urls;
  private final Callers callers;
  private final DaoRegistry daos;
  private final Clock clock;
  private final ZoneId zone;

  CalendarOperations(
      CalendarService calendars,
      CalendarFeeds feeds,
      ServerUrls urls,
      Callers callers,
      DaoRegistry daos,
      Clock clock,
      AppProperties properties) {
    this.calendars = calendars;
    this.feeds = feeds;
    this.urls = urls;
    this.callers = callers;
    this.daos = daos;
    this.clock = clock;
    this.zone = properties.scheduling().defaultTimeZone();
  }

  @Operation(name = "$calendar", type = Practitioner.class, idempotent = true)
  public Parameters practitionerCalendar(
      @IdParam IdType id,
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end) {
    return calendar(existing(id), start, end);
  }

  @Operation(name = "$calendar", type = Location.class, idempotent = true)
  public Parameters locationCalendar(
      @IdParam IdType id,
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end) {
    return calendar(existing(id), start, end);
  }

  @Operation(name = "$calendar-feed", type = Practitioner.class, idempotent = false)
  public Parameters practitionerFeed(
      @IdParam IdType id,
      @OperationParam(name = "revoke", max = 1) BooleanType revoke,
      RequestDetails request) {
    return feed(existing(id), revoke, request);
  }

  @Operation(name = "$calendar-feed", type = Location.class, idempotent = false)
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
    LocalDate start =
        startParam == null || !startParam.hasValue()
            ? LocalDate.now(clock.withZone(zone))
            : LocalDate.parse(startParam.getValueAsString().substring(0, 10));
    LocalDate end =
        endParam == null || !endParam.hasValue()
            ? start.plusDays(7)
            : LocalDate.parse(endParam.getValueAsString().substring(0, 10));
    if (!end.isAfter(start)) {
      throw InvalidParameter.malformed(
          "end", "end (" + end + ") must be after start (" + start + ")");
    }
    Instant from = start.atStartOfDay(zone).toInstant();
    Instant to = end.atStartOfDay(zone).toInstant();
    if (Duration.between(from, to).compareTo(CalendarService.MAXIMUM_WINDOW) > 0) {
      throw InvalidParameter.unprocessable(
          "end", "A calendar covers at most " + CalendarService.MAXIMUM_WINDOW.toDays() + " days");
    }
    List<CalendarService.Entry> entries = calendars.entries(actor, from, to);
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
    return new InstantType(
        Date.from(instant), TemporalPrecisionEnum.SECOND, TimeZone.getTimeZone(zone));
  }
}
