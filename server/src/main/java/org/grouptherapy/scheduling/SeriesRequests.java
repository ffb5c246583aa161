package org.grouptherapy.scheduling;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.LocalDates;
import org.grouptherapy.kernel.OperationParameters;
import org.hl7.fhir.r4.model.Parameters;

/** The typed input of the session series operations, each parsed once at the binding. */
final class SeriesRequests {

  private SeriesRequests() {}

  /** Where sessions take place, as asked: a room, or a virtual join link, or the group's usual. */
  record VenueChoice(Optional<String> room, Optional<String> virtual) {

    static VenueChoice from(OperationParameters in) {
      Optional<String> room = in.reference("room", "Location");
      Optional<String> virtual = in.string("virtual");
      if (room.isPresent() && virtual.isPresent()) {
        throw InvalidParameter.malformed("virtual", "Give a room or a virtual link, not both");
      }
      if (virtual.isPresent() && !virtual.get().matches("https://\\S+")) {
        throw InvalidParameter.malformed("virtual", "virtual must be an https:// join link");
      }
      return new VenueChoice(room, virtual);
    }

    boolean given() {
      return room.isPresent() || virtual.isPresent();
    }
  }

  /** {@code POST Group/[id]/$schedule-series}. */
  record ScheduleSeries(
      String rrule,
      LocalDateTime start,
      int durationMinutes,
      Integer count,
      LocalDate until,
      List<LocalDate> exdates,
      Optional<String> holidayCalendar,
      Optional<String> holidays,
      VenueChoice venue,
      int firstSessionNumber,
      boolean dryRun,
      String overrideReason) {

    static final Set<String> PARAMETERS =
        Set.of(
            "rrule",
            "start",
            "durationMinutes",
            "count",
            "until",
            "exdate",
            "holidayCalendar",
            "holidays",
            "room",
            "virtual",
            "firstSessionNumber",
            "dryRun",
            "overrideReason");

    /** Dates and the local start are read in the group's zone. */
    static ScheduleSeries from(Parameters parameters, ZoneId zone) {
      OperationParameters in = new OperationParameters(parameters).onlyThese(PARAMETERS);
      String rrule = in.requiredString("rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=12");
      LocalDateTime start =
          in.localDateTime("start", zone)
              .orElseThrow(
                  () ->
                      InvalidParameter.malformed(
                          "start", "start is required, e.g. 2026-03-02T18:00"));
      int duration =
          in.integer("durationMinutes")
              .orElseThrow(
                  () ->
                      InvalidParameter.malformed(
                          "durationMinutes", "durationMinutes is required, e.g. 90"));
      Optional<String> calendar = in.string("holidayCalendar");
      calendar
          .filter(name -> !Holidays.US_FEDERAL.equals(name))
          .ifPresent(
              name -> {
                throw InvalidParameter.unprocessable(
                    "holidayCalendar",
                    "Unknown holidayCalendar "
                        + name
                        + "; known: "
                        + Holidays.US_FEDERAL
                        + " (or send your own iCalendar file as holidays)");
              });
      return new ScheduleSeries(
          rrule,
          start,
          duration,
          in.integer("count").orElse(null),
          in.date("until", zone, LocalDates.Bound.END).orElse(null),
          in.dates("exdate", zone),
          calendar,
          in.attachmentText("holidays"),
          VenueChoice.from(in),
          in.integer("firstSessionNumber").orElse(1),
          in.bool("dryRun"),
          in.string("overrideReason").orElse(null));
    }
  }

  /** {@code POST Group/[id]/$amend-series}: from session N on, what changes. */
  record AmendSeries(
      String series,
      int fromSession,
      Optional<LocalTime> time,
      Optional<Integer> durationMinutes,
      Optional<String> facilitator,
      Optional<String> coFacilitator,
      VenueChoice venue,
      String overrideReason) {

    static final Set<String> PARAMETERS =
        Set.of(
            "series",
            "fromSession",
            "time",
            "durationMinutes",
            "room",
            "virtual",
            "facilitator",
            "coFacilitator",
            "overrideReason");

    static AmendSeries from(Parameters parameters) {
      OperationParameters in = new OperationParameters(parameters).onlyThese(PARAMETERS);
      AmendSeries amend =
          new AmendSeries(
              in.requiredString("series", "the series id $schedule-series returned"),
              in.integer("fromSession")
                  .orElseThrow(
                      () -> InvalidParameter.malformed("fromSession", "fromSession is required")),
              in.time("time"),
              in.integer("durationMinutes"),
              practitioner(in, "facilitator"),
              practitioner(in, "coFacilitator"),
              VenueChoice.from(in),
              in.string("overrideReason").orElse(null));
      if (amend.time().isEmpty()
          && amend.durationMinutes().isEmpty()
          && amend.facilitator().isEmpty()
          && amend.coFacilitator().isEmpty()
          && !amend.venue().given()) {
        throw InvalidParameter.malformed(
            "fromSession",
            "Nothing to amend: give time, durationMinutes, room, virtual, facilitator or"
                + " coFacilitator");
      }
      amend
          .durationMinutes()
          .filter(d -> d < 5 || d > 720)
          .ifPresent(
              d -> {
                throw InvalidParameter.unprocessable(
                    "durationMinutes", "durationMinutes must be between 5 and 720; was " + d);
              });
      if (amend.facilitator().isPresent() && amend.facilitator().equals(amend.coFacilitator())) {
        throw InvalidParameter.unprocessable(
            "coFacilitator",
            "The co-facilitator must be another practitioner than the facilitator");
      }
      return amend;
    }

    private static Optional<String> practitioner(OperationParameters in, String name) {
      Optional<String> reference = in.reference(name);
      reference
          .filter(r -> !r.startsWith("Practitioner/"))
          .ifPresent(
              r -> {
                throw InvalidParameter.malformed(name, name + " must be a Practitioner reference");
              });
      return reference;
    }
  }

  /** {@code POST Group/[id]/$cancel-series}. */
  record CancelSeries(String series, String reason, Optional<Integer> fromSession) {

    static CancelSeries from(Parameters parameters) {
      OperationParameters in =
          new OperationParameters(parameters).onlyThese(Set.of("series", "reason", "fromSession"));
      return new CancelSeries(
          in.requiredString("series", "the series id $schedule-series returned"),
          in.requiredString("reason", "Group closes for the summer"),
          in.integer("fromSession"));
    }
  }

  /** {@code POST Appointment/[id]/$cancel-session}: the reason people are told. */
  static String cancelReason(Parameters parameters) {
    return new OperationParameters(parameters)
        .onlyThese(Set.of("reason"))
        .requiredString("reason", "Facilitator ill");
  }
}
