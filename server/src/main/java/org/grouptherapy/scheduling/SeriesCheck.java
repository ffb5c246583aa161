package org.grouptherapy.scheduling;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.TherapyGroup.Facilitator;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.Appointment;
import org.springframework.stereotype.Component;

/**
 * What would stop a whole series (sessions and their blocks) being booked, found before anything is
 * written, in one query against the booking ledger: so that a client hears of every conflict at
 * once, in words, rather than of the first one the ledger meets while writing.
 */
@Component
class SeriesCheck {

  private final BookingLedger ledger;
  private final WorkingHours hours;
  private final boolean warnOutsideHours;

  SeriesCheck(BookingLedger ledger, WorkingHours hours, AppProperties properties) {
    this.ledger = ledger;
    this.hours = hours;
    this.warnOutsideHours =
        properties.scheduling().outsideWorkingHours() == AppProperties.OutsideWorkingHours.WARN;
  }

  /**
   * Sessions outside a facilitator's working hours, one warning per facilitator naming their hours
   * and the sessions, when the practice warns of them (when it refuses them, they are among the
   * {@link #problems}).
   */
  List<String> outsideWorkingHours(
      TherapyGroup group,
      List<Facilitator> facilitators,
      List<Appointment> sessions,
      RequestDetails request) {
    List<String> warnings = new ArrayList<>();
    if (!warnOutsideHours) {
      return warnings;
    }
    for (Facilitator facilitator : facilitators) {
      String first = null;
      List<String> numbers = new ArrayList<>();
      for (Appointment session : sessions) {
        var outside =
            hours.outside(
                facilitator.practitioner(),
                session.getStart().toInstant(),
                session.getEnd().toInstant(),
                group.zone(),
                request);
        if (outside.isPresent()) {
          first = first == null ? outside.get() : first;
          numbers.add(String.valueOf(GroupSession.number(session)));
        }
      }
      if (first != null) {
        warnings.add(
            "Outside working hours: "
                + first
                + (numbers.size() > 1 ? " (sessions " + String.join(", ", numbers) + ")" : ""));
      }
    }
    return warnings;
  }

  /**
   * @param ignored ledger entries the change replaces (the sessions and blocks being moved)
   * @return one sentence per problem, naming the session and its local start
   */
  List<String> problems(
      TherapyGroup group,
      List<Facilitator> facilitators,
      List<Appointment> sessions,
      Set<String> ignored,
      RequestDetails request) {
    List<List<String>> perSession = new ArrayList<>();
    List<BookingLedger.Booking> all = new ArrayList<>();
    List<Integer> owner = new ArrayList<>();
    for (int i = 0; i < sessions.size(); i++) {
      Appointment session = sessions.get(i);
      perSession.add(new ArrayList<>(ledger.standing(session, request)));
      List<BookingLedger.Booking> bookings = new ArrayList<>(ledger.bookingsOf(session, request));
      bookings.addAll(blockBookings(group, facilitators, session));
      for (BookingLedger.Booking booking : bookings) {
        all.add(booking);
        owner.add(i);
      }
    }
    ledger
        .conflictsOfEach(all, ignored)
        .forEach((index, found) -> perSession.get(owner.get(index)).addAll(found));
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < sessions.size(); i++) {
      Appointment session = sessions.get(i);
      String when =
          session.getStart().toInstant().atZone(group.zone()).toLocalDateTime().toString();
      for (String problem : perSession.get(i).stream().distinct().toList()) {
        problems.add("Session " + GroupSession.number(session) + " (" + when + "): " + problem);
      }
    }
    return problems;
  }

  /** What the facilitators' prep and documentation blocks around a session would hold. */
  private static List<BookingLedger.Booking> blockBookings(
      TherapyGroup group, List<Facilitator> facilitators, Appointment session) {
    List<BookingLedger.Booking> bookings = new ArrayList<>();
    Instant start = session.getStart().toInstant();
    Instant end = session.getEnd().toInstant();
    for (Facilitator f : facilitators) {
      if (group.prepMinutes() > 0) {
        bookings.add(
            new BookingLedger.Booking(
                f.practitioner(), "prep", start.minusSeconds(60L * group.prepMinutes()), start));
      }
      if (group.documentationMinutes() > 0) {
        bookings.add(
            new BookingLedger.Booking(
                f.practitioner(),
                "documentation",
                end,
                end.plusSeconds(60L * group.documentationMinutes())));
      }
    }
    return bookings;
  }
}
