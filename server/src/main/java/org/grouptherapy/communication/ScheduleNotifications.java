package org.grouptherapy.communication;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.SchedulingCodes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.springframework.stereotype.Component;

/**
 * Turns each schedule change into one Communication per person it touches (members, facilitators,
 * co-facilitators, people the change names besides, and the referring provider of each referred
 * member) and queues its email in the outbox, in the transaction of the change. A member's message
 * names no other member. Someone without an email address gets a Communication marked not-done, so
 * the VA sees who to call.
 */
@Component
class ScheduleNotifications implements ScheduleChangeListener {

  static final String CATEGORY_SYSTEM =
      "http://terminology.hl7.org/CodeSystem/communication-category";
  static final String MODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode";
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("EEEE d MMMM yyyy, HH:mm", Locale.US);
  private static final DateTimeFormatter UNTIL = DateTimeFormatter.ofPattern("HH:mm", Locale.US);
  private static final int LISTED = 12;

  private final DaoRegistry daos;
  private final IFhirSystemDao<Bundle, Meta> systemDao;
  private final Outbox outbox;
  private final PracticeTime time;
  private final ContactBook contacts;

  ScheduleNotifications(
      DaoRegistry daos,
      IFhirSystemDao<Bundle, Meta> systemDao,
      Outbox outbox,
      PracticeTime time,
      ContactBook contacts) {
    this.daos = daos;
    this.contacts = contacts;
    this.systemDao = systemDao;
    this.outbox = outbox;
    this.time = time;
  }

  /** One recipient: who, and the patient the message is about (for a referrer), if any. */
  private record Recipient(String who, String aboutPatient) {}

  @Override
  public void changed(ScheduleChange change) {
    if (change.sessions().isEmpty() && change.onlyTo().isEmpty()) {
      return;
    }
    SystemRequestDetails request = new SystemRequestDetails();
    Map<String, Recipient> recipients = new LinkedHashMap<>();
    List<String> members = new ArrayList<>();
    for (Appointment session : change.sessions()) {
      for (Appointment.AppointmentParticipantComponent p : session.getParticipant()) {
        String actor = References.of(p.getActor());
        if (actor == null || p.getStatus() == Appointment.ParticipationStatus.DECLINED) {
          continue;
        }
        if (actor.startsWith("Patient/") && !members.contains(actor)) {
          members.add(actor);
        }
        if (actor.startsWith("Patient/")
            || actor.startsWith("Practitioner/")
            || actor.startsWith("PractitionerRole/")
            || actor.startsWith("RelatedPerson/")) {
          recipients.putIfAbsent(actor, new Recipient(actor, null));
        }
      }
    }
    for (String other : change.alsoTouched()) {
      recipients.putIfAbsent(other, new Recipient(other, null));
    }
    if (!change.onlyTo().isEmpty()) {
      recipients.keySet().retainAll(change.onlyTo());
      members.retainAll(change.onlyTo());
      for (String only : change.onlyTo()) {
        recipients.putIfAbsent(only, new Recipient(only, null));
      }
    }
    // A missed session or a seat offered is between the person and the practice: no referrer.
    boolean personal =
        change.kind() == ScheduleChange.Kind.MEMBER_MISSED
            || change.kind() == ScheduleChange.Kind.SEAT_OFFERED;
    for (String member : personal ? List.<String>of() : members) {
      for (String referrer : referrers(member, request)) {
        recipients.putIfAbsent(referrer + "|" + member, new Recipient(referrer, member));
      }
    }
    String groupName = change.group() == null ? "Your session" : change.group().getName();
    ZoneId zone = zoneOf(change);
    Map<String, String> places = new HashMap<>();
    String schedule = describeSessions(change, zone, places, request);
    String subject = change.kind().subject + ": " + groupName;
    List<Queued> queued = new ArrayList<>();
    for (Recipient recipient : recipients.values()) {
      queued.add(
          prepare(
              change, recipient, subject, body(change, recipient, groupName, schedule), request));
    }
    // One nested Bundle: HAPI resolves the many references (each session) in bulk.
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (Queued q : queued) {
      bundle
          .addEntry()
          .setResource(q.communication())
          .getRequest()
          .setMethod(Bundle.HTTPVerb.POST)
          .setUrl("Communication");
    }
    Bundle response = systemDao.transactionNested(request, bundle);
    for (int i = 0; i < queued.size(); i++) {
      Queued q = queued.get(i);
      String id =
          new IdType(response.getEntry().get(i).getResponse().getLocation())
              .toUnqualifiedVersionless()
              .getValue();
      q.address().ifPresent(a -> outbox.enqueueEmail(id, a, subject, q.body()));
    }
  }

  private record Queued(Communication communication, Optional<String> address, String body) {}

  private Queued prepare(
      ScheduleChange change,
      Recipient recipient,
      String subject,
      String body,
      SystemRequestDetails request) {
    Communication communication = new Communication();
    communication.addCategory().addCoding().setSystem(CATEGORY_SYSTEM).setCode("notification");
    communication
        .addMedium()
        .addCoding()
        .setSystem(MODE_SYSTEM)
        .setCode("EMAILWRIT")
        .setDisplay("email");
    communication.getTopic().setText(change.kind().subject);
    communication.addRecipient(new Reference(recipient.who()));
    String patient =
        recipient.aboutPatient() != null
            ? recipient.aboutPatient()
            : recipient.who().startsWith("Patient/") ? recipient.who() : null;
    if (patient != null) {
      communication.setSubject(new Reference(patient));
    }
    if (change.group() != null) {
      communication.addAbout(
          new Reference(change.group().getIdElement().toUnqualifiedVersionless().getValue()));
      if (change.group().hasManagingEntity()) {
        communication.setSender(new Reference(References.of(change.group().getManagingEntity())));
      }
    }
    // The sessions the message lists (a long series: the group stands for the rest).
    change.sessions().stream()
        .limit(LISTED)
        .forEach(
            session ->
                communication.addAbout(
                    new Reference(session.getIdElement().toUnqualifiedVersionless().getValue())));
    communication.addPayload().setContent(new org.hl7.fhir.r4.model.StringType(body));
    Optional<String> address = contacts.email(recipient.who(), request);
    communication.setStatus(
        address.isPresent()
            ? Communication.CommunicationStatus.PREPARATION
            : Communication.CommunicationStatus.NOTDONE);
    if (address.isEmpty()) {
      communication.getStatusReason().setText("No email address on file: contact by phone");
    }
    return new Queued(communication, address, body);
  }

  private static String body(
      ScheduleChange change, Recipient recipient, String groupName, String schedule) {
    StringBuilder text = new StringBuilder();
    text.append("Hello,\n\n");
    if (recipient.aboutPatient() != null) {
      text.append("A person you referred to ")
          .append(groupName)
          .append(" (")
          .append(recipient.aboutPatient())
          .append(") has a schedule change.\n\n");
    }
    text.append(change.summary()).append("\n\n").append(schedule);
    text.append("\nReply to this message or call the practice if you cannot attend.\n");
    return text.toString();
  }

  private String describeSessions(
      ScheduleChange change,
      ZoneId zone,
      Map<String, String> places,
      SystemRequestDetails request) {
    if (change.sessions().isEmpty()) {
      return "";
    }
    StringBuilder text =
        new StringBuilder(change.sessions().size() == 1 ? "Session:\n" : "Sessions:\n");
    int listed = 0;
    for (Appointment session : change.sessions()) {
      if (listed++ == LISTED) {
        text.append("- and ").append(change.sessions().size() - LISTED).append(" more\n");
        break;
      }
      text.append("- ")
          .append(WHEN.format(session.getStart().toInstant().atZone(zone)))
          .append("-")
          .append(UNTIL.format(session.getEnd().toInstant().atZone(zone)))
          .append(" (")
          .append(zone)
          .append(")");
      if (session.getStatus() == Appointment.AppointmentStatus.CANCELLED) {
        text.append(", CANCELLED");
      }
      contacts.place(session, places, request).ifPresent(p -> text.append(", ").append(p));
      Extension join = session.getExtensionByUrl(SchedulingCodes.SESSION_JOIN_URL);
      if (join != null && session.getStatus() != Appointment.AppointmentStatus.CANCELLED) {
        text.append("\n  Join online: ").append(join.getValue().primitiveValue());
      }
      text.append("\n");
    }
    return text.toString();
  }

  private ZoneId zoneOf(ScheduleChange change) {
    return time.zoneOf(change.group());
  }

  /** The requesters of the member's active referrals. */
  private List<String> referrers(String patient, SystemRequestDetails request) {
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(ServiceRequest.SP_SUBJECT, new ReferenceParam(patient));
    search.add(ServiceRequest.SP_STATUS, new TokenParam("active"));
    List<String> referrers = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(ServiceRequest.class).searchForResources(search, request)) {
      String requester = References.of(((ServiceRequest) found).getRequester());
      if (requester != null && !referrers.contains(requester)) {
        referrers.add(requester);
      }
    }
    return referrers;
  }
}
