package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.Tasks;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Offers of freed seats to the people waiting ({@code gt.seat_offer}). When a seat frees up, the
 * next suitable person on the group's waitlist (in order; each person once per group) is offered
 * it: a Task for the VA (code {@code seat-offer}, the group as focus, the expiry as its
 * restriction) and a message to the person naming the group and its next session, no one else. An
 * open offer holds its seat, so nobody else is enrolled into it. Joining the group accepts it; the
 * VA rejecting or cancelling the Task declines it; {@code app.waitlist.offer-for} after it was
 * made, it expires; either way the seat goes to the next person ({@link SeatOfferScan}). Placed in
 * another group, a person's open offers are withdrawn at the next scan. Every change here runs
 * under the group's lock, in the caller's transaction.
 */
@Service
class SeatOffers {

  static final String TASK_SYSTEM = "http://grouptherapy.example.org/identifiers/seat-offer";
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("EEEE d MMMM, HH:mm", Locale.US);

  private final DaoRegistry daos;
  private final JdbcTemplate jdbc;
  private final Waitlists waitlists;
  private final PlacementFacts facts;
  private final PersonFacts persons;
  private final Eligibility eligibility;
  private final List<ScheduleChangeListener> listeners;
  private final Clock clock;
  private final AppProperties.Waitlist settings;

  SeatOffers(
      DaoRegistry daos,
      JdbcTemplate jdbc,
      Waitlists waitlists,
      PlacementFacts facts,
      PersonFacts persons,
      Eligibility eligibility,
      List<ScheduleChangeListener> listeners,
      Clock clock,
      AppProperties properties) {
    this.daos = daos;
    this.jdbc = jdbc;
    this.waitlists = waitlists;
    this.facts = facts;
    this.persons = persons;
    this.eligibility = eligibility;
    this.listeners = listeners;
    this.clock = clock;
    this.settings = properties.waitlist();
  }

  /** Seats of the group held by open offers to people other than {@code except} (may be null). */
  int held(String groupId, String except) {
    Integer held =
        jdbc.queryForObject(
            "SELECT count(*) FROM gt.seat_offer WHERE group_id = ? AND status = 'open'"
                + " AND patient IS DISTINCT FROM ?",
            Integer.class,
            groupId,
            except);
    return held == null ? 0 : held;
  }

  /** A group's seats on a day: its capacity, its members, the seats held by open offers. */
  record Seats(int maximum, int members, int offered) {
    int free() {
      return maximum - members - offered;
    }
  }

  /**
   * The group's seats on {@code day}: the one count of capacity less members less open offers that
   * enrolment and offers both use. Offers to {@code except} (may be null) do not count: a person's
   * own offer is their seat. The caller holds the group's lock.
   */
  Seats seats(Group group, LocalDate day, String except) {
    return new Seats(
        TherapyGroup.maximum(group).orElse(Integer.MAX_VALUE),
        facts.activeMembers(group, day).size(),
        held(References.of(group), except));
  }

  /**
   * Offers the group's free seats (capacity less members less open offers) to the next suitable
   * people waiting who have not been offered a seat in it before; answers who was offered one. The
   * caller holds the group's lock.
   */
  List<String> offerFreeSeats(Group group, LocalDate day) {
    SystemRequestDetails read = new SystemRequestDetails();
    String groupId = References.of(group);
    int free = seats(group, day, null).free();
    List<String> offered = new ArrayList<>();
    if (free <= 0) {
      return offered;
    }
    Optional<ListResource> waitlist = waitlists.of(groupId, read);
    if (waitlist.isEmpty()) {
      return offered;
    }
    Set<String> before =
        Set.copyOf(
            jdbc.queryForList(
                "SELECT patient FROM gt.seat_offer WHERE group_id = ?", String.class, groupId));
    for (ListResource.ListEntryComponent entry : waitlist.get().getEntry()) {
      String patient = References.of(entry.getItem());
      if (offered.size() == free
          || entry.getDeleted()
          || patient == null
          || before.contains(patient)
          || !suitable(group, patient)) {
        continue;
      }
      offer(group, patient, read);
      offered.add(patient);
    }
    return offered;
  }

  /**
   * Whether a person waiting may be offered a seat: not a member already, not held back for
   * clinician review, within the group's eligibility rules (age range, acuity, cohort). Consents
   * still to sign do not stop an offer: the VA gathers them before enrolment.
   */
  private boolean suitable(Group group, String patient) {
    LocalDate today = facts.today();
    if (facts.activeMembers(group, today).contains(patient)
        || persons.underClinicianReview(patient)) {
      return false;
    }
    try {
      eligibility.admit(
          group, patient, new EnrolmentService.Request(patient, null, null, false), today);
      return true;
    } catch (RuntimeException ineligible) {
      return false;
    }
  }

  private void offer(Group group, String patient, SystemRequestDetails read) {
    Instant expires = clock.instant().plus(settings.offerFor());
    ZoneId zone = facts.zoneOf(group);
    String until = WHEN.format(expires.atZone(zone)) + " (" + zone + ")";
    Optional<Appointment> next = nextSession(group, read);
    Task task = new Task();
    task.addIdentifier().setSystem(TASK_SYSTEM).setValue(References.of(group) + "|" + patient);
    task.setStatus(Task.TaskStatus.REQUESTED);
    task.setIntent(Task.TaskIntent.ORDER);
    task.setPriority(Task.TaskPriority.URGENT);
    task.getCode()
        .addCoding()
        .setSystem(IntakeCodes.CODES_SYSTEM)
        .setCode("seat-offer")
        .setDisplay("Offer an open seat");
    task.setFor(new Reference(patient));
    task.setFocus(new Reference(References.of(group)));
    task.setAuthoredOn(Date.from(clock.instant()));
    task.getRestriction().getPeriod().setEnd(Date.from(expires));
    task.setDescription(
        "A seat is open in "
            + group.getName()
            + ": offer it to the person waiting, until "
            + until
            + ". Enrol them with $member-add if they take it; reject this Task if they decline,"
            + " and the seat goes to the next person waiting.");
    String taskId =
        daos.getResourceDao(Task.class)
            .create(task, new SystemRequestDetails())
            .getId()
            .toUnqualifiedVersionless()
            .getValue();
    jdbc.update(
        "INSERT INTO gt.seat_offer (group_id, patient, task, offered_at, expires_at)"
            + " VALUES (?, ?, ?, ?, ?)",
        References.of(group),
        patient,
        taskId,
        Timestamp.from(clock.instant()),
        Timestamp.from(expires));
    String summary =
        "A seat has opened in "
            + group.getName()
            + " and it is yours if you want it until "
            + until
            + ". Reply to this message or call the practice to take it."
            + next.map(s -> " The next session:").orElse("");
    ScheduleChange change =
        new ScheduleChange(
            ScheduleChange.Kind.SEAT_OFFERED,
            group,
            next.map(List::of).orElse(List.of()),
            summary,
            List.of(),
            List.of(patient));
    listeners.forEach(l -> l.changed(change));
  }

  /** The group's next booked session, if any (for the offer's message: when and where). */
  private Optional<Appointment> nextSession(Group group, SystemRequestDetails read) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(Appointment.SP_SUPPORTING_INFO, new ReferenceParam(References.of(group)))
            .add(Appointment.SP_STATUS, new TokenParam("booked"))
            .add(
                Appointment.SP_DATE,
                new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, Date.from(clock.instant())));
    search.setSort(new ca.uhn.fhir.rest.api.SortSpec(Appointment.SP_DATE));
    search.setCount(1);
    return daos.getResourceDao(Appointment.class).searchForResources(search, read).stream()
        .map(Appointment.class::cast)
        .findFirst();
  }

  /**
   * The person joined the group: their offer of it (if any) is accepted and its Task completed;
   * their open offers of other groups end at the next scan (withdrawn).
   */
  void joined(String groupId, String patient) {
    jdbc.query(
            "UPDATE gt.seat_offer SET status = 'accepted', closed_at = now()"
                + " WHERE group_id = ? AND patient = ? AND status = 'open' RETURNING task",
            (rs, i) -> rs.getString(1),
            groupId,
            patient)
        .forEach(task -> closeTask(task, Task.TaskStatus.COMPLETED, "Joined the group"));
    jdbc.update(
        "UPDATE gt.seat_offer SET placed_elsewhere_at = now()"
            + " WHERE patient = ? AND group_id <> ? AND status = 'open'",
        patient,
        groupId);
  }

  /** Groups whose current waitlist has someone waiting (a free seat there may be offered). */
  List<String> groupsWithWaiting() {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(ListResource.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "waitlist"));
    return daos
        .getResourceDao(ListResource.class)
        .searchForResources(search, new SystemRequestDetails())
        .stream()
        .map(ListResource.class::cast)
        .filter(l -> l.getStatus() == ListResource.ListStatus.CURRENT)
        .filter(l -> l.getEntry().stream().anyMatch(e -> !e.getDeleted()))
        .map(l -> References.of(l.getSubject()))
        .filter(g -> g != null && g.startsWith("Group/"))
        .distinct()
        .toList();
  }

  /** An open offer that has ended: why, and what it was. */
  record Ended(long id, String groupId, String patient, String task, String status) {}

  /**
   * Open offers that are over at {@code now}: expired, their Task rejected or cancelled by the VA
   * (declined), or their person placed elsewhere (withdrawn).
   */
  List<Ended> ended(Instant now) {
    List<Ended> ended = new ArrayList<>();
    jdbc.query(
        "SELECT id, group_id, patient, task, expires_at,"
            + " placed_elsewhere_at IS NOT NULL AS placed"
            + " FROM gt.seat_offer WHERE status = 'open' ORDER BY id",
        rs -> {
          Instant expires = rs.getTimestamp("expires_at").toInstant();
          String task = rs.getString("task");
          String status =
              rs.getBoolean("placed")
                  ? "withdrawn"
                  : declined(task) ? "declined" : !expires.isAfter(now) ? "expired" : null;
          if (status != null) {
            ended.add(
                new Ended(
                    rs.getLong("id"),
                    rs.getString("group_id"),
                    rs.getString("patient"),
                    task,
                    status));
          }
        });
    return ended;
  }

  /** Closes the offer (the caller holds its group's lock); false if it was closed meanwhile. */
  boolean close(Ended offer) {
    int changed =
        jdbc.update(
            "UPDATE gt.seat_offer SET status = ?, closed_at = now() WHERE id = ? AND status ="
                + " 'open'",
            offer.status(),
            offer.id());
    if (changed == 1 && !"declined".equals(offer.status())) {
      closeTask(
          offer.task(),
          Task.TaskStatus.CANCELLED,
          "expired".equals(offer.status())
              ? "The offer expired; the seat goes to the next person waiting"
              : "Placed in another group");
    }
    return changed == 1;
  }

  private boolean declined(String taskId) {
    try {
      Task.TaskStatus status =
          daos.getResourceDao(Task.class)
              .read(new IdType(taskId), new SystemRequestDetails())
              .getStatus();
      return status == Task.TaskStatus.REJECTED || status == Task.TaskStatus.CANCELLED;
    } catch (RuntimeException gone) {
      return true;
    }
  }

  private void closeTask(String taskId, Task.TaskStatus status, String why) {
    Tasks.close(daos, taskId, status, why, clock.instant(), new SystemRequestDetails());
  }
}
