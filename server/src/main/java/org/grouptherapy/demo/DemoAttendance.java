package org.grouptherapy.demo;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.grouptherapy.billing.AttendanceService;
import org.grouptherapy.billing.BillingCodes;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;

/**
 * The demo's past sessions as a practice would have left them: attendance recorded through
 * $record-attendance's own service, and a session note per attending member signed by the group's
 * primary facilitator. A few realistic problems are left for $reconcile-attendance to find: now and
 * then a no-show or a late arrival, one unsigned note, one missing note (and, from the demo bundle,
 * one member without a diagnosis). Deterministic, and safe to run twice.
 */
@Component
class DemoAttendance {

  static final String NOTE_SYSTEM = "http://grouptherapy.example.org/identifiers/demo-note";

  private final DaoRegistry daos;
  private final AttendanceService attendance;
  private final Clock clock;

  DemoAttendance(DaoRegistry daos, AttendanceService attendance, Clock clock) {
    this.daos = daos;
    this.attendance = attendance;
    this.clock = clock;
  }

  /**
   * @return how many sessions got attendance
   */
  int recordPastSessions() {
    SystemRequestDetails read = new SystemRequestDetails();
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(
                Appointment.SP_IDENTIFIER,
                new TokenParam("http://grouptherapy.example.org/identifiers/appointment", null))
            .add(Appointment.SP_STATUS, new TokenParam("fulfilled"));
    List<Appointment> sessions = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(Appointment.class).searchForResources(search, read)) {
      Appointment session = (Appointment) found;
      if (GroupSession.groupOf(session).isPresent()
          && session.getEnd().toInstant().isBefore(clock.instant())) {
        sessions.add(session);
      }
    }
    sessions.sort(Comparator.comparing(Appointment::getStart));
    int index = 0;
    for (Appointment session : sessions) {
      String sessionId = session.getIdElement().toUnqualifiedVersionless().getValue();
      Group group =
          daos.getResourceDao(Group.class)
              .read(new IdType(GroupSession.groupOf(session).get()), read);
      List<String> members =
          session.getParticipant().stream()
              .map(p -> References.of(p.getActor()))
              .filter(r -> r != null && r.startsWith("Patient/"))
              .toList();
      List<AttendanceService.Mark> marks = new ArrayList<>();
      for (int m = 0; m < members.size(); m++) {
        int turn = index * 7 + m;
        String status = turn % 11 == 3 ? "no-show" : turn % 13 == 5 ? "late" : "attended";
        String setting =
            session.getExtensionByUrl(SchedulingCodes.SESSION_JOIN_URL) != null
                ? "telehealth-home"
                : null;
        marks.add(
            new AttendanceService.Mark(
                members.get(m), status, "late".equals(status) ? 10 : 0, 0, setting, false));
      }
      if (!marks.isEmpty()) {
        attendance.record(sessionId, marks, GroupSession.practitionersOn(session), null, null);
        // The left problems are in the latest sessions, where a reconcile of the last weeks
        // finds them.
        notes(session, sessionId, group, marks, sessions.size() - 1 - index, read);
      }
      index++;
    }
    return index;
  }

  private void notes(
      Appointment session,
      String sessionId,
      Group group,
      List<AttendanceService.Mark> marks,
      int fromLatest,
      SystemRequestDetails read) {
    String author = primaryFacilitator(group);
    boolean multiFamily =
        group.getCode().getCoding().stream().anyMatch(c -> "multi-family".equals(c.getCode()));
    for (int m = 0; m < marks.size(); m++) {
      AttendanceService.Mark mark = marks.get(m);
      if (!AttendanceService.ATTENDING.contains(mark.status())) {
        continue;
      }
      if (fromLatest == 2 && m == 1) {
        continue; // a note nobody wrote yet
      }
      SearchParameterMap encounterSearch =
          SearchParameterMap.newSynchronous()
              .add(Encounter.SP_APPOINTMENT, new ReferenceParam(sessionId))
              .add(Encounter.SP_SUBJECT, new ReferenceParam(mark.patient()));
      List<Encounter> encounters =
          daos.getResourceDao(Encounter.class).searchForResources(encounterSearch, read);
      if (encounters.isEmpty()) {
        continue;
      }
      String key = BillingCodes.memberSessionKey(sessionId, mark.patient());
      boolean signed = !(fromLatest == 1 && m == 0); // one note still waits for its signature
      DocumentReference note = new DocumentReference();
      note.addIdentifier().setSystem(NOTE_SYSTEM).setValue(key);
      note.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
      note.setDocStatus(
          signed
              ? DocumentReference.ReferredDocumentStatus.FINAL
              : DocumentReference.ReferredDocumentStatus.PRELIMINARY);
      note.setType(
          new CodeableConcept(
              new Coding("http://loinc.org", BillingCodes.PROGRESS_NOTE_LOINC, "Progress note")));
      note.setSubject(new Reference(mark.patient()));
      note.setDate(session.getEnd());
      if (author != null) {
        note.addAuthor(new Reference(author));
        if (signed) {
          note.setAuthenticator(new Reference(author));
        }
      }
      note.getContext()
          .addEncounter(new Reference(encounters.get(0).getIdElement().toUnqualifiedVersionless()));
      note.addContent()
          .setAttachment(
              new Attachment()
                  .setContentType("text/plain")
                  .setData(
                      "Attended the group session; participated in the skills practice."
                          .getBytes(StandardCharsets.UTF_8)));
      if (multiFamily && m % 2 == 0) {
        note.addExtension(
            new Extension(BillingCodes.INTERACTIVE_COMPLEXITY, new BooleanType(true)));
      }
      daos.getResourceDao(DocumentReference.class)
          .update(note, "DocumentReference?identifier=" + NOTE_SYSTEM + "|" + key, read);
    }
  }

  private static String primaryFacilitator(Group group) {
    for (Extension e : group.getExtensionsByUrl(SchedulingCodes.GROUP_FACILITATOR)) {
      Extension who = e.getExtensionByUrl("practitioner");
      Extension role = e.getExtensionByUrl("role");
      if (who != null
          && (role == null || "primary".equals(role.getValue().primitiveValue()))
          && who.getValue() instanceof Reference r) {
        return References.of(r);
      }
    }
    return null;
  }
}
