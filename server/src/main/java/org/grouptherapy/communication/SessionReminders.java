package org.grouptherapy.communication;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.PeriodicTask;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reminders before each booked session ({@code app.reminders}): every scan looks at the sessions
 * starting within the longest reminder time and, for each, at the reminder that is due (the nearest
 * to the session whose time has come: a session booked two hours ahead gets the two-hour reminder,
 * not a late 48-hour one). Each member and facilitator of the session gets a Communication and an
 * email, and a text message when an SMS provider is configured and a mobile number is on file; a
 * member who opted out ({@code session-reminders} false) and a member who said they will not come
 * (declined) get none, and a cancelled session none at all. The text names the group, the time in
 * the group's zone, the place and the join link, and never another member.
 *
 * <p>Exactly once per person, session and reminder however many instances scan at once: a row in
 * {@code gt.session_reminder}, inserted in the transaction that writes the Communications and the
 * outbox rows, wins or waits for the winner and then does nothing.
 */
@Component
public class SessionReminders implements SmartLifecycle {

  static final String OPT_OUT = SchedulingCodes.SESSION_REMINDERS;
  public static final String TOPIC = "Session reminder";
  private static final Logger log = LoggerFactory.getLogger(SessionReminders.class);
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("EEEE d MMMM, HH:mm", Locale.US);
  private static final DateTimeFormatter UNTIL = DateTimeFormatter.ofPattern("HH:mm", Locale.US);

  private final DaoRegistry daos;
  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final Outbox outbox;
  private final ContactBook contacts;
  private final SmsChannel sms;
  private final PracticeTime time;
  private final Clock clock;
  private final AppProperties.Reminders settings;
  private final PeriodicTask task;

  SessionReminders(
      DaoRegistry daos,
      JdbcTemplate jdbc,
      PlatformTransactionManager transactions,
      Outbox outbox,
      ContactBook contacts,
      SmsChannel sms,
      PracticeTime time,
      Clock clock,
      AppProperties properties) {
    this.daos = daos;
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.outbox = outbox;
    this.contacts = contacts;
    this.sms = sms;
    this.time = time;
    this.clock = clock;
    this.settings = properties.reminders();
    this.task =
        new PeriodicTask(
            "session-reminders", settings.scanInterval(), () -> sendDue(clock.instant()));
  }

  @Override
  public void start() {
    if (!settings.enabled() || settings.before().isEmpty()) {
      log.info("Session reminders are off (app.reminders)");
      return;
    }
    task.start();
  }

  @Override
  public void stop() {
    task.stop();
  }

  @Override
  public boolean isRunning() {
    return task.isRunning();
  }

  /** Queues every reminder due at {@code now}; answers how many Communications it wrote. */
  public int sendDue(Instant now) {
    if (settings.before().isEmpty()) {
      return 0;
    }
    Duration longest = settings.before().stream().max(Comparator.naturalOrder()).orElseThrow();
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(
        Appointment.SP_DATE,
        new DateRangeParam(
            new DateParam(ParamPrefixEnum.GREATERTHAN, Date.from(now)),
            new DateParam(ParamPrefixEnum.LESSTHAN_OR_EQUALS, Date.from(now.plus(longest)))));
    search.add(Appointment.SP_STATUS, new TokenParam("booked"));
    int written = 0;
    for (IBaseResource found :
        daos.getResourceDao(Appointment.class)
            .searchForResources(search, new SystemRequestDetails())) {
      Appointment session = (Appointment) found;
      Optional<Duration> due = due(session.getStart().toInstant(), now);
      if (due.isPresent()) {
        Integer count = transaction.execute(tx -> remind(session, due.get()));
        written += count == null ? 0 : count;
      }
    }
    if (written > 0) {
      log.info("Queued {} session reminder(s)", written);
    }
    return written;
  }

  /** The nearest reminder to the session whose time has come, if the session is still ahead. */
  Optional<Duration> due(Instant start, Instant now) {
    Duration ahead = Duration.between(now, start);
    if (ahead.isNegative() || ahead.isZero()) {
      return Optional.empty();
    }
    return settings.before().stream()
        .filter(before -> before.compareTo(ahead) >= 0)
        .min(Comparator.naturalOrder());
  }

  /** Reminds each person of one session who has not had this reminder yet. */
  private int remind(Appointment session, Duration before) {
    SystemRequestDetails request = new SystemRequestDetails();
    String sessionId = References.of(session);
    Group group =
        GroupSession.groupOf(session)
            .map(g -> daos.getResourceDao(Group.class).read(new IdType(g), request))
            .orElse(null);
    String subject =
        "Reminder: " + (group == null || !group.hasName() ? "your session" : group.getName());
    String text = text(session, group, request);
    int written = 0;
    for (String person : people(session, request)) {
      int inserted =
          jdbc.update(
              "INSERT INTO gt.session_reminder (session, person, before_minutes)"
                  + " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
              sessionId,
              person,
              (int) before.toMinutes());
      if (inserted == 1) {
        written += send(session, group, person, subject, text, request);
      }
    }
    return written;
  }

  /**
   * Members (not declined, not opted out) and facilitators and other attending people (not
   * declined), in the session's order.
   */
  private Set<String> people(Appointment session, SystemRequestDetails request) {
    Set<String> people = new LinkedHashSet<>();
    for (Appointment.AppointmentParticipantComponent p : session.getParticipant()) {
      String actor = References.of(p.getActor());
      if (actor == null || p.getStatus() == Appointment.ParticipationStatus.DECLINED) {
        continue;
      }
      if (actor.startsWith("Patient/") && !optedOut(actor, request)) {
        people.add(actor);
      } else if (actor.startsWith("Practitioner/")
          || actor.startsWith("PractitionerRole/")
          || actor.startsWith("RelatedPerson/")) {
        people.add(actor);
      }
    }
    return people;
  }

  private boolean optedOut(String patient, SystemRequestDetails request) {
    try {
      Extension choice =
          daos.getResourceDao(Patient.class)
              .read(new IdType(patient), request)
              .getExtensionByUrl(OPT_OUT);
      return choice != null
          && choice.getValue() instanceof BooleanType wants
          && Boolean.FALSE.equals(wants.getValue());
    } catch (RuntimeException gone) {
      return true; // a member who cannot be read cannot be reminded
    }
  }

  /** The reminder's text: the group, when (in the group's zone), where, the join link. */
  private String text(Appointment session, Group group, SystemRequestDetails request) {
    ZoneId zone = time.zoneOf(group);
    StringBuilder text = new StringBuilder();
    text.append(group == null || !group.hasName() ? "Your session" : group.getName())
        .append(": ")
        .append(WHEN.format(session.getStart().toInstant().atZone(zone)))
        .append("-")
        .append(UNTIL.format(session.getEnd().toInstant().atZone(zone)))
        .append(" (")
        .append(zone)
        .append(")");
    contacts.place(session, new HashMap<>(), request).ifPresent(p -> text.append(", ").append(p));
    Extension join = session.getExtensionByUrl(SchedulingCodes.SESSION_JOIN_URL);
    if (join != null) {
      text.append(". Join online: ").append(join.getValue().primitiveValue());
    }
    return text.append('.').toString();
  }

  /** One Communication per channel the person can be reached on (one marked not-done if none). */
  private int send(
      Appointment session,
      Group group,
      String person,
      String subject,
      String text,
      SystemRequestDetails request) {
    Optional<String> email = contacts.email(person, request);
    Optional<String> mobile =
        sms.configured() ? contacts.mobile(person, request) : Optional.empty();
    int written = 0;
    if (email.isPresent()) {
      String body =
          "Hello,\n\nA reminder of your session.\n\n"
              + text
              + "\n\nReply to this message or call the practice if you cannot attend.\n";
      String id = create(communication(session, group, person, "EMAILWRIT", "email", body));
      outbox.enqueueEmail(id, email.get(), subject, body);
      written++;
    }
    if (mobile.isPresent()) {
      String body = "Reminder: " + text;
      String id = create(communication(session, group, person, "SMSWRIT", "SMS", body));
      outbox.enqueueSms(id, mobile.get(), subject, body);
      written++;
    }
    if (written == 0) {
      Communication none = communication(session, group, person, "EMAILWRIT", "email", text);
      none.setStatus(Communication.CommunicationStatus.NOTDONE);
      none.getStatusReason().setText("No email address or mobile number on file: remind by phone");
      create(none);
      written++;
    }
    return written;
  }

  private Communication communication(
      Appointment session, Group group, String person, String mode, String display, String body) {
    Communication communication = new Communication();
    communication.setStatus(Communication.CommunicationStatus.PREPARATION);
    communication
        .addCategory()
        .addCoding()
        .setSystem(ScheduleNotifications.CATEGORY_SYSTEM)
        .setCode("reminder");
    communication
        .addMedium()
        .addCoding()
        .setSystem(ScheduleNotifications.MODE_SYSTEM)
        .setCode(mode)
        .setDisplay(display);
    communication.getTopic().setText(TOPIC);
    communication.addRecipient(new Reference(person));
    if (person.startsWith("Patient/")) {
      communication.setSubject(new Reference(person));
    }
    communication.addAbout(new Reference(References.of(session)));
    if (group != null) {
      communication.addAbout(new Reference(References.of(group)));
      if (group.hasManagingEntity()) {
        communication.setSender(new Reference(References.of(group.getManagingEntity())));
      }
    }
    communication.addPayload().setContent(new StringType(body));
    return communication;
  }

  private String create(Communication communication) {
    return daos.getResourceDao(Communication.class)
        .create(communication, new SystemRequestDetails())
        .getId()
        .toUnqualifiedVersionless()
        .getValue();
  }
}
