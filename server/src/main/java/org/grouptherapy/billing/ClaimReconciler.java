package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.grouptherapy.billing.AttendanceService.Mark;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.Searches;
import org.grouptherapy.scheduling.BookingLedger;
import org.grouptherapy.scheduling.SeriesService;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Service;

/**
 * Works out, for each member of each session in scope, the claim their attendance should produce
 * under the payer's rules, compares it with the notes, coverage, diagnoses and Claims on file, and
 * lists every problem with its fix. {@link BillingOperations} runs it inside one transaction under
 * one advisory lock, so two runs at once cannot create the same Claim twice.
 */
@Service
public class ClaimReconciler {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(ClaimReconciler.class);

  /**
   * Sessions read ahead at a time: enough to make each bulk search worth it, few enough that a
   * month of a large practice never sits in memory at once.
   */
  static final int WINDOW = 200;

  /** What to reconcile: one session, or the sessions of a period with optional filters. */
  public record Scope(
      String session,
      LocalDate start,
      LocalDate end,
      String group,
      String practitioner,
      String payer) {}

  /** One problem: severity, code (billing-problem), what is wrong, the fix, who is involved. */
  public record Problem(
      boolean error, String code, String text, String fix, List<String> resources) {}

  /** The claim a member's attendance of a session should produce. */
  public record Expected(
      String key,
      Appointment session,
      Group group,
      String patient,
      Encounter encounter,
      Coverage coverage,
      String payerOrganization,
      BillingRules.Payer rules,
      String code,
      List<String> modifiers,
      String placeOfService,
      boolean interactiveComplexity,
      String rendering,
      List<String> others,
      List<String> diagnoses,
      String provider) {

    BigDecimal amount() {
      BigDecimal total = rules.fee(code);
      return interactiveComplexity
          ? total.add(rules.fee(rules.interactiveComplexityCode()))
          : total;
    }

    int units() {
      return interactiveComplexity ? 2 : 1;
    }
  }

  /** One member-session's verdict: the expected claim (if attendance bills), problems, claims. */
  public record Line(
      String key,
      String session,
      String patient,
      Expected expected,
      List<Problem> problems,
      List<Claim> claims) {

    public boolean billable() {
      return expected != null && problems.stream().noneMatch(Problem::error);
    }

    /** Billable attendance that has no claim yet (said by the summary and the package). */
    Problem notYetClaimed() {
      return new Problem(
          false,
          "attendance-without-claim",
          patient + " attended " + session + " and has no claim yet",
          "Run $reconcile-attendance to create its draft Claim",
          List.of(session, patient));
    }
  }

  /** A session's lines and its own problems. */
  public record SessionResult(Appointment session, Group group, List<Line> lines) {}

  private final DaoRegistry daos;
  private final BillingRules rules;
  private final Clock clock;

  /**
   * A reconcile runs in one transaction; the entities its searches load would stay in the
   * persistence context, and Hibernate dirty-checks all of them before every later query. The
   * resources are copied out as FHIR objects, so the entities are let go after each bulk read.
   */
  @jakarta.persistence.PersistenceContext private jakarta.persistence.EntityManager entityManager;

  ClaimReconciler(DaoRegistry daos, BillingRules rules, Clock clock) {
    this.daos = daos;
    this.rules = rules;
    this.clock = clock;
  }

  /** The sessions in scope, oldest first. */
  public List<Appointment> sessions(Scope scope, SystemRequestDetails read) {
    if (scope.session() != null) {
      try {
        return List.of(
            daos.getResourceDao(Appointment.class).read(new IdType(scope.session()), read));
      } catch (ResourceGoneException e) {
        throw new ResourceNotFoundException(scope.session() + " was deleted");
      }
    }
    ZoneId zone = clock.getZone();
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(
                Appointment.SP_DATE,
                new DateParam(
                    ParamPrefixEnum.GREATERTHAN_OR_EQUALS,
                    Date.from(scope.start().atStartOfDay(zone).toInstant())))
            .add(
                Appointment.SP_DATE,
                new DateParam(
                    ParamPrefixEnum.LESSTHAN,
                    Date.from(scope.end().plusDays(1).atStartOfDay(zone).toInstant())));
    if (scope.group() != null) {
      search.add("supporting-info", new ReferenceParam(scope.group()));
    }
    if (scope.practitioner() != null) {
      search.add(Appointment.SP_PRACTITIONER, new ReferenceParam(scope.practitioner()));
    }
    List<Appointment> sessions = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(Appointment.class).searchForResources(search, read)) {
      Appointment session = (Appointment) found;
      if (BookingLedger.groupOf(session).isPresent()) {
        sessions.add(session);
      }
    }
    entityManager.clear(); // the Appointments are copied out; see the field's comment
    sessions.sort(
        Comparator.comparing(Appointment::getStart)
            .thenComparing(a -> a.getIdElement().getIdPartAsLong()));
    return sessions;
  }

  /** Caches for one run: each patient's coverage and diagnoses are read once. */
  final class Run {
    private final SystemRequestDetails read = new SystemRequestDetails();
    private final Map<String, Optional<Coverage>> coverage = new HashMap<>();
    private final Map<String, List<String>> diagnoses = new HashMap<>();
    private final Map<String, Optional<String>> payerIds = new HashMap<>();
    private final Map<String, Group> groups = new HashMap<>();
    private final Map<String, Map<String, Encounter>> encountersBySession = new HashMap<>();
    private final Map<String, DocumentReference> notesByEncounter = new HashMap<>();
    private final Map<String, Map<String, List<Claim>>> claimsBySession = new HashMap<>();

    /**
     * Reads what these sessions need in bulk (forgetting the previous window's), a few hundred at a
     * time: their Encounters, the notes on those, the Claims on those (by member-session key or by
     * encounter), and each member's coverage and diagnoses. Reconciling a month is then a few dozen
     * searches, not thousands.
     */
    private void prefetch(List<Appointment> sessions) {
      encountersBySession.clear();
      notesByEncounter.clear();
      claimsBySession.clear();
      long t0 = System.nanoTime();
      List<String> sessionIds = new ArrayList<>();
      Set<String> wanted = new LinkedHashSet<>();
      Set<String> patients = new LinkedHashSet<>();
      List<String> keys = new ArrayList<>();
      Map<String, String> sessionOfKey = new HashMap<>();
      for (Appointment session : sessions) {
        String id = idOf(session);
        sessionIds.add(id);
        BookingLedger.groupOf(session).filter(g -> !groups.containsKey(g)).ifPresent(wanted::add);
        for (Appointment.AppointmentParticipantComponent p : session.getParticipant()) {
          String who = References.of(p.getActor());
          if (who != null && who.startsWith("Patient/")) {
            patients.add(who);
            String key = BillingCodes.memberSessionKey(id, who);
            keys.add(key);
            sessionOfKey.put(key, id);
          }
        }
      }
      for (List<String> chunk : Searches.chunks(wanted)) {
        TokenOrListParam ids = new TokenOrListParam();
        chunk.forEach(g -> ids.addOr(new TokenParam(new IdType(g).getIdPart())));
        for (IBaseResource found :
            daos.getResourceDao(Group.class)
                .searchForResources(SearchParameterMap.newSynchronous().add("_id", ids), read)) {
          groups.put(found.getIdElement().toUnqualifiedVersionless().getValue(), (Group) found);
        }
        entityManager.clear();
      }
      long groupsRead = System.nanoTime();
      Map<String, String> sessionOfEncounter = new HashMap<>();
      for (Encounter encounter :
          bulk(Encounter.class, Encounter.SP_APPOINTMENT, sessionIds, search -> {})) {
        if (encounter.getStatus() == Encounter.EncounterStatus.CANCELLED
            || encounter.getStatus() == Encounter.EncounterStatus.ENTEREDINERROR) {
          continue;
        }
        for (Reference appointment : encounter.getAppointment()) {
          String session = References.of(appointment);
          encountersBySession
              .computeIfAbsent(session, x -> new HashMap<>())
              .put(References.of(encounter.getSubject()), encounter);
          sessionOfEncounter.put(
              encounter.getIdElement().toUnqualifiedVersionless().getValue(), session);
        }
      }

      long encountersRead = System.nanoTime();
      List<String> encounterIds = new ArrayList<>(sessionOfEncounter.keySet());
      for (DocumentReference note :
          bulk(
              DocumentReference.class,
              DocumentReference.SP_ENCOUNTER,
              encounterIds,
              search -> {})) {
        if (note.getStatus() != Enumerations.DocumentReferenceStatus.CURRENT) {
          continue;
        }
        for (Reference encounter : note.getContext().getEncounter()) {
          String id = References.of(encounter);
          DocumentReference other = notesByEncounter.get(id);
          if (other == null || signed(note) && !signed(other)) {
            notesByEncounter.put(id, note);
          }
        }
      }
      long notesRead = System.nanoTime();
      Map<String, Claim> claimsById = new LinkedHashMap<>();
      for (List<String> chunk : Searches.chunks(keys)) {
        TokenOrListParam any = new TokenOrListParam();
        chunk.forEach(k -> any.addOr(new TokenParam(BillingCodes.MEMBER_SESSION_SYSTEM, k)));
        collect(SearchParameterMap.newSynchronous().add(Claim.SP_IDENTIFIER, any), claimsById);
      }
      for (List<String> chunk : Searches.chunks(encounterIds)) {
        collect(
            SearchParameterMap.newSynchronous().add(Claim.SP_ENCOUNTER, Searches.anyOf(chunk)),
            claimsById);
      }
      for (Claim claim : claimsById.values()) {
        if (claim.getStatus() == Claim.ClaimStatus.CANCELLED
            || claim.getStatus() == Claim.ClaimStatus.ENTEREDINERROR) {
          continue;
        }
        String session =
            claim.getIdentifier().stream()
                .filter(i -> BillingCodes.MEMBER_SESSION_SYSTEM.equals(i.getSystem()))
                .map(i -> sessionOfKey.get(i.getValue()))
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse(null);
        if (session == null) {
          session =
              claim.getItem().stream()
                  .flatMap(i -> i.getEncounter().stream())
                  .map(e -> sessionOfEncounter.get(References.of(e)))
                  .filter(java.util.Objects::nonNull)
                  .findFirst()
                  .orElse(null);
        }
        if (session != null) {
          String patient = References.of(claim.getPatient());
          claimsBySession
              .computeIfAbsent(session, x -> new LinkedHashMap<>())
              .computeIfAbsent(patient, x -> new ArrayList<>())
              .add(claim);
          patients.add(patient); // billed, maybe without being on the session: payer filter
        }
      }
      long claimsRead = System.nanoTime();
      patients.removeIf(coverage::containsKey); // read in an earlier window
      patients.forEach(p -> coverage.putIfAbsent(p, Optional.empty()));
      patients.forEach(p -> diagnoses.putIfAbsent(p, new ArrayList<>()));
      Map<String, List<Coverage>> covers = new HashMap<>();
      for (Coverage c :
          bulk(
              Coverage.class,
              Coverage.SP_BENEFICIARY,
              patients,
              search -> search.add(Coverage.SP_STATUS, new TokenParam("active")))) {
        covers.computeIfAbsent(References.of(c.getBeneficiary()), x -> new ArrayList<>()).add(c);
      }
      covers.forEach((patient, list) -> coverage.put(patient, pickCoverage(list)));
      for (Condition condition :
          bulk(Condition.class, Condition.SP_SUBJECT, patients, search -> {})) {
        List<String> codes = diagnoses.get(References.of(condition.getSubject()));
        if (codes != null) {
          addDiagnoses(condition, codes);
        }
      }
      log.debug(
          "prefetch: groups {} ms, encounters {} ms, notes {} ms, claims {} ms, coverage and"
              + " diagnoses {} ms",
          (groupsRead - t0) / 1_000_000,
          (encountersRead - groupsRead) / 1_000_000,
          (notesRead - encountersRead) / 1_000_000,
          (claimsRead - notesRead) / 1_000_000,
          (System.nanoTime() - claimsRead) / 1_000_000);
    }

    /**
     * Checks the sessions in order, reading ahead {@link #WINDOW} at a time, and hands each
     * session's result on.
     */
    void each(
        List<Appointment> sessions,
        String payerFilter,
        java.util.function.Consumer<SessionResult> then) {
      for (int from = 0; from < sessions.size(); from += WINDOW) {
        List<Appointment> window = sessions.subList(from, Math.min(sessions.size(), from + WINDOW));
        prefetch(window);
        window.forEach(session -> then.accept(session(session, payerFilter)));
      }
    }

    /** A bulk read, a chunk at a time, letting go of the entities after each (see above). */
    private <T extends IBaseResource> List<T> bulk(
        Class<T> type,
        String parameter,
        java.util.Collection<String> references,
        java.util.function.Consumer<SearchParameterMap> more) {
      List<T> out = new ArrayList<>();
      for (List<String> chunk : Searches.chunks(references)) {
        out.addAll(Searches.referencing(daos, type, parameter, chunk, more, read));
        entityManager.clear();
      }
      return out;
    }

    private Map<String, DocumentReference> notesOf(java.util.Collection<Encounter> encounters) {
      Map<String, DocumentReference> out = new HashMap<>();
      for (Encounter encounter : encounters) {
        DocumentReference note =
            notesByEncounter.get(encounter.getIdElement().toUnqualifiedVersionless().getValue());
        if (note != null) {
          out.put(References.of(note.getSubject()), note);
        }
      }
      return out;
    }

    private SessionResult session(Appointment session, String payerFilter) {
      String sessionId = session.getIdElement().toUnqualifiedVersionless().getValue();
      String groupId = BookingLedger.groupOf(session).orElse(null);
      Group group = groupId == null ? null : groups.get(groupId);
      Map<String, Mark> marks = new LinkedHashMap<>();
      List<String> members = new ArrayList<>();
      for (Appointment.AppointmentParticipantComponent p : session.getParticipant()) {
        String who = References.of(p.getActor());
        if (who != null && who.startsWith("Patient/")) {
          members.add(who);
          Mark mark =
              AttendanceService.markOf(who, p.getExtensionByUrl(BillingCodes.SESSION_ATTENDANCE));
          if (mark != null) {
            marks.put(who, mark);
          }
        }
      }
      Map<String, Encounter> encounters = encountersBySession.getOrDefault(sessionId, Map.of());
      Map<String, List<Claim>> claims = claimsBySession.getOrDefault(sessionId, Map.of());
      List<Line> lines = new ArrayList<>();
      boolean cancelled = session.getStatus() == Appointment.AppointmentStatus.CANCELLED;
      boolean future = session.getStart().toInstant().isAfter(clock.instant());
      long attending = marks.values().stream().filter(ClaimReconciler::bills).count();
      Map<String, DocumentReference> notes = notesOf(encounters.values());
      List<String> attendingSorted =
          marks.values().stream()
              .filter(ClaimReconciler::bills)
              .map(Mark::patient)
              .sorted(Comparator.comparing(p -> new IdType(p).getIdPartAsLong()))
              .toList();
      Set<String> everyone = new LinkedHashSet<>(members);
      everyone.addAll(claims.keySet());
      for (String patient : everyone) {
        String key = BillingCodes.memberSessionKey(sessionId, patient);
        List<Claim> existing = claims.getOrDefault(patient, List.of());
        List<Problem> problems = new ArrayList<>();
        Mark mark = marks.get(patient);
        Optional<Coverage> cover = coverage(patient);
        String payerId = cover.flatMap(this::payerId).orElse(null);
        if (payerFilter != null && !payerFilter.equals(payerId)) {
          continue;
        }
        if (cancelled || mark == null || !bills(mark)) {
          for (Claim claim : existing) {
            problems.add(
                new Problem(
                    true,
                    "claim-without-attendance",
                    claimId(claim)
                        + " bills "
                        + patient
                        + " for "
                        + sessionId
                        + (cancelled
                            ? ", which was cancelled"
                            : mark == null
                                ? ", but no attendance is recorded"
                                : ", but they did not attend (" + mark.status() + ")"),
                    cancelled || mark != null
                        ? "Cancel " + claimId(claim) + " (status cancelled)"
                        : "Record attendance with $record-attendance, or cancel " + claimId(claim),
                    List.of(claimId(claim), sessionId, patient)));
          }
          if (mark == null && !cancelled && !future && members.contains(patient)) {
            problems.add(
                new Problem(
                    false,
                    "attendance-not-recorded",
                    "No attendance recorded for " + patient + " at " + sessionId,
                    "Record it with Appointment/"
                        + new IdType(sessionId).getIdPart()
                        + "/$record-attendance",
                    List.of(sessionId, patient)));
          }
          if (!problems.isEmpty()) {
            lines.add(new Line(key, sessionId, patient, null, problems, existing));
          }
          continue;
        }
        Encounter encounter = encounters.get(patient);
        Expected expected =
            expected(
                session,
                sessionId,
                group,
                patient,
                mark,
                encounter,
                cover.orElse(null),
                payerId,
                notes.get(patient),
                attendingSorted,
                problems);
        if (attending > expected.rules().maxGroupSize()) {
          problems.add(
              new Problem(
                  true,
                  "group-above-cap",
                  sessionId
                      + " had "
                      + attending
                      + " attending; "
                      + expected.rules().name()
                      + " pays for groups of at most "
                      + expected.rules().maxGroupSize(),
                  "Check the attendance; if it is right, this session cannot be billed to "
                      + expected.rules().name()
                      + " as a group",
                  List.of(sessionId, patient)));
        }
        long minutes =
            Duration.between(session.getStart().toInstant(), session.getEnd().toInstant())
                .toMinutes();
        if (minutes < expected.rules().minimumMinutes()) {
          problems.add(
              new Problem(
                  true,
                  "session-too-short",
                  sessionId
                      + " lasted "
                      + minutes
                      + " minutes; "
                      + expected.rules().name()
                      + " requires at least "
                      + expected.rules().minimumMinutes(),
                  "Correct the session's times if they are wrong; otherwise it is not billable",
                  List.of(sessionId)));
        }
        checkExisting(expected, existing, problems);
        lines.add(new Line(key, sessionId, patient, expected, problems, existing));
      }
      return new SessionResult(session, group, lines);
    }

    private Expected expected(
        Appointment session,
        String sessionId,
        Group group,
        String patient,
        Mark mark,
        Encounter encounter,
        Coverage coverage,
        String payerId,
        DocumentReference note,
        List<String> attendingSorted,
        List<Problem> problems) {
      BillingRules.Payer payer = rules.forPayer(payerId);
      if (coverage == null) {
        problems.add(
            new Problem(
                true,
                "missing-coverage",
                patient + " has no active Coverage",
                "Add the member's active Coverage (payer and member id)",
                List.of(patient)));
      }
      List<String> diagnoses = diagnoses(patient);
      if (diagnoses.isEmpty()) {
        problems.add(
            new Problem(
                true,
                "missing-diagnosis",
                patient + " has no active Condition with an ICD-10-CM code",
                "Record the member's diagnosis (Condition, clinical status active, ICD-10-CM)",
                List.of(patient)));
      }
      if (encounter == null) {
        problems.add(
            new Problem(
                true,
                "missing-encounter",
                "Attendance of " + patient + " at " + sessionId + " has no Encounter",
                "Run $record-attendance again for the session",
                List.of(sessionId, patient)));
      }
      boolean complexity = false;
      if (note == null) {
        problems.add(
            new Problem(
                true,
                "missing-note",
                "No session note for " + patient + " at " + sessionId,
                "The rendering facilitator writes and signs the member's note (DocumentReference"
                    + " with context.encounter)",
                List.of(sessionId, patient)));
      } else {
        complexity =
            note.getExtensionByUrl(BillingCodes.INTERACTIVE_COMPLEXITY) != null
                && note.getExtensionByUrl(BillingCodes.INTERACTIVE_COMPLEXITY)
                    .getValue()
                    .primitiveValue()
                    .equals("true");
        if (!signed(note)) {
          problems.add(
              new Problem(
                  true,
                  "unsigned-note",
                  "The note "
                      + note.getIdElement().toUnqualifiedVersionless().getValue()
                      + " for "
                      + patient
                      + " is not signed",
                  "The rendering facilitator signs it (docStatus final, authenticator set)",
                  List.of(note.getIdElement().toUnqualifiedVersionless().getValue(), patient)));
        }
      }
      boolean multiFamily =
          group != null
              && group.getCode().getCoding().stream()
                  .anyMatch(
                      c ->
                          SchedulingCodes.MODALITY_SYSTEM.equals(c.getSystem())
                              && "multi-family".equals(c.getCode()));
      String code = multiFamily ? payer.multiFamilyCode() : payer.groupCode();
      boolean virtual = encounter != null && "VR".equals(encounter.getClass_().getCode());
      String setting =
          !virtual
              ? "in-person"
              : "telehealth-other".equals(mark.setting()) ? "telehealth-other" : "telehealth-home";
      List<String> modifiers = new ArrayList<>();
      if (virtual) {
        modifiers.addAll(payer.telehealthModifiers());
      }
      modifiers.addAll(payer.groupModifiers());
      List<String> present = new ArrayList<>();
      if (encounter != null) {
        encounter.getParticipant().stream()
            .map(p -> References.of(p.getIndividual()))
            .filter(r -> r != null && r.startsWith("Practitioner/"))
            .forEach(present::add);
      }
      if (present.isEmpty()) {
        present.addAll(SeriesService.practitionersOn(session));
      }
      String rendering = rendering(group, session, patient, present, attendingSorted);
      if (rendering == null) {
        problems.add(
            new Problem(
                true,
                "no-rendering-provider",
                "No facilitator of " + sessionId + " can be the rendering provider",
                "Record which facilitators were present with $record-attendance",
                List.of(sessionId)));
      } else if (note != null
          && signed(note)
          && note.getAuthenticator().hasReference()
          && !rendering.equals(References.of(note.getAuthenticator()))) {
        problems.add(
            new Problem(
                false,
                "note-signer",
                "The note for "
                    + patient
                    + " is signed by "
                    + note.getAuthenticator().getReference()
                    + ", not the rendering provider "
                    + rendering,
                "Have " + rendering + " co-sign the note, or check the group's billing arrangement",
                List.of(note.getIdElement().toUnqualifiedVersionless().getValue())));
      }
      List<String> others = new ArrayList<>(present);
      others.remove(rendering);
      String provider =
          group != null && group.hasManagingEntity()
              ? References.of(group.getManagingEntity())
              : null;
      return new Expected(
          BillingCodes.memberSessionKey(sessionId, patient),
          session,
          group,
          patient,
          encounter,
          coverage,
          coverage == null || coverage.getPayor().isEmpty()
              ? null
              : References.of(coverage.getPayorFirstRep()),
          payer,
          code,
          List.copyOf(modifiers),
          payer.placeOfService().get(setting),
          complexity,
          rendering,
          List.copyOf(others),
          diagnoses,
          provider);
    }

    private void checkExisting(Expected expected, List<Claim> existing, List<Problem> problems) {
      if (existing.size() > 1) {
        List<String> ids = existing.stream().map(ClaimReconciler::claimId).toList();
        problems.add(
            new Problem(
                true,
                "duplicate-claim",
                ids.size()
                    + " claims bill "
                    + expected.patient()
                    + " for "
                    + idOf(expected.session())
                    + ": "
                    + String.join(", ", ids),
                "Keep one and cancel the others",
                ids));
        Set<String> renderers = new TreeSet<>();
        existing.forEach(c -> renderingOf(c).ifPresent(renderers::add));
        if (renderers.size() > 1) {
          problems.add(
              new Problem(
                  true,
                  "two-rendering-providers",
                  expected.patient()
                      + " is billed by "
                      + String.join(" and ", renderers)
                      + " for the same session",
                  "Only "
                      + expected.rendering()
                      + " bills this member for this session; cancel the other claim",
                  ids));
        }
      }
      for (Claim claim : existing) {
        List<String> wrong = differences(expected, claim);
        if (!wrong.isEmpty()) {
          problems.add(
              new Problem(
                  true,
                  "wrong-coding",
                  claimId(claim) + ": " + String.join("; ", wrong),
                  "Correct " + claimId(claim) + " (or cancel it and reconcile again)",
                  List.of(claimId(claim))));
        }
      }
    }

    private void collect(SearchParameterMap search, Map<String, Claim> into) {
      for (IBaseResource found :
          daos.getResourceDao(Claim.class).searchForResources(search, read)) {
        into.putIfAbsent(found.getIdElement().toUnqualifiedVersionless().getValue(), (Claim) found);
      }
    }

    Optional<Coverage> coverage(String patient) {
      return coverage.getOrDefault(patient, Optional.empty());
    }

    Optional<String> payerId(Coverage coverage) {
      if (coverage.getPayor().isEmpty()) {
        return Optional.empty();
      }
      String payer = References.of(coverage.getPayorFirstRep());
      if (payer == null || !payer.startsWith("Organization/")) {
        return Optional.empty();
      }
      return payerIds.computeIfAbsent(
          payer,
          p -> {
            try {
              Organization organization =
                  daos.getResourceDao(Organization.class).read(new IdType(p), read);
              return organization.getIdentifier().stream()
                  .filter(i -> BillingCodes.PAYER_ID.equals(i.getSystem()))
                  .map(Identifier::getValue)
                  .findFirst();
            } catch (ResourceNotFoundException | ResourceGoneException e) {
              return Optional.empty();
            }
          });
    }

    List<String> diagnoses(String patient) {
      return diagnoses.getOrDefault(patient, List.of());
    }
  }

  Run newRun() {
    return new Run();
  }

  /** The member's coverage: the first by Coverage.order among those current or recent. */
  private Optional<Coverage> pickCoverage(List<Coverage> coverages) {
    java.time.Instant yearAgo =
        LocalDate.now(clock).minusYears(1).atStartOfDay(clock.getZone()).toInstant();
    return coverages.stream()
        .filter(
            c -> !c.getPeriod().hasEnd() || !c.getPeriod().getEnd().toInstant().isBefore(yearAgo))
        .min(Comparator.comparing(c -> c.hasOrder() ? c.getOrder() : Integer.MAX_VALUE));
  }

  /** Adds an active Condition's ICD-10-CM codes (at most 12 in all, no repeats). */
  private static void addDiagnoses(Condition condition, List<String> codes) {
    boolean active =
        condition.getClinicalStatus().getCoding().stream()
            .anyMatch(c -> Set.of("active", "recurrence", "relapse").contains(c.getCode()));
    if (!active) {
      return;
    }
    condition.getCode().getCoding().stream()
        .filter(c -> BillingCodes.ICD10.equals(c.getSystem()) && c.hasCode())
        .map(Coding::getCode)
        .filter(code -> !codes.contains(code))
        .forEach(
            code -> {
              if (codes.size() < 12) {
                codes.add(code);
              }
            });
  }

  static boolean bills(Mark mark) {
    return AttendanceService.ATTENDING.contains(mark.status()) || mark.familyOnly();
  }

  static boolean signed(DocumentReference note) {
    return note.getDocStatus() == DocumentReference.ReferredDocumentStatus.FINAL
        && note.hasAuthenticator()
        && note.getAuthenticator().hasReference();
  }

  /**
   * The one practitioner who bills this member for this session, by the group's arrangement:
   * primary (the group's primary facilitator, or the first present), alternate (by session number),
   * split (members shared in turn, in id order), supervisor (the supervising practitioner).
   */
  static String rendering(
      Group group,
      Appointment session,
      String patient,
      List<String> present,
      List<String> members) {
    List<String> facilitators = new ArrayList<>();
    String primary = null;
    String arrangement = "primary";
    String supervisor = null;
    if (group != null) {
      for (Extension e : group.getExtensionsByUrl(SchedulingCodes.GROUP_FACILITATOR)) {
        Extension who = e.getExtensionByUrl("practitioner");
        Extension role = e.getExtensionByUrl("role");
        if (who != null && who.getValue() instanceof Reference r) {
          String id = References.of(r);
          if (role == null || "primary".equals(role.getValue().primitiveValue())) {
            primary = primary == null ? id : primary;
          }
          facilitators.add(id);
        }
      }
      Extension billing = group.getExtensionByUrl(BillingCodes.GROUP_BILLING);
      if (billing != null) {
        Extension a = billing.getExtensionByUrl("arrangement");
        Extension s = billing.getExtensionByUrl("supervisor");
        arrangement = a == null ? arrangement : a.getValue().primitiveValue();
        supervisor = s == null ? null : References.of((Reference) s.getValue());
      }
    }
    List<String> billing = new ArrayList<>();
    if (primary != null && present.contains(primary)) {
      billing.add(primary);
    }
    present.stream().filter(p -> !billing.contains(p)).forEach(billing::add);
    if (billing.isEmpty()) {
      return null;
    }
    return switch (arrangement) {
      case "supervisor" -> supervisor != null ? supervisor : billing.get(0);
      case "alternate" ->
          billing.get(Math.floorMod(SeriesService.number(session) - 1, billing.size()));
      case "split" -> billing.get(Math.max(0, members.indexOf(patient)) % billing.size());
      default -> billing.get(0);
    };
  }

  /** The rendering provider of an existing claim: care team member with role primary. */
  static Optional<String> renderingOf(Claim claim) {
    return claim.getCareTeam().stream()
        .filter(t -> t.getRole().getCoding().stream().anyMatch(c -> "primary".equals(c.getCode())))
        .map(t -> References.of(t.getProvider()))
        .findFirst();
  }

  /** What an existing claim gets wrong against the expected one. */
  static List<String> differences(Expected expected, Claim claim) {
    List<String> wrong = new ArrayList<>();
    Claim.ItemComponent item =
        claim.getItem().stream()
            .filter(
                i ->
                    i.getProductOrService().getCoding().stream()
                        .noneMatch(
                            c -> c.getCode().equals(expected.rules().interactiveComplexityCode())))
            .findFirst()
            .orElse(null);
    if (item == null) {
      wrong.add("no service line");
      return wrong;
    }
    String code = item.getProductOrService().getCodingFirstRep().getCode();
    if (!expected.code().equals(code)) {
      wrong.add("code " + code + " should be " + expected.code());
    }
    List<String> modifiers =
        item.getModifier().stream().map(m -> m.getCodingFirstRep().getCode()).toList();
    if (!new TreeSet<>(modifiers).equals(new TreeSet<>(expected.modifiers()))) {
      wrong.add("modifiers " + modifiers + " should be " + expected.modifiers());
    }
    String pos =
        item.getLocationCodeableConcept().getCoding().stream()
            .map(Coding::getCode)
            .findFirst()
            .orElse(null);
    if (!expected.placeOfService().equals(pos)) {
      wrong.add("place of service " + pos + " should be " + expected.placeOfService());
    }
    int units = item.getQuantity().hasValue() ? item.getQuantity().getValue().intValue() : 0;
    if (units != 1) {
      wrong.add(units + " units should be 1");
    }
    boolean addOn =
        claim.getItem().stream()
            .anyMatch(
                i ->
                    i.getProductOrService().getCoding().stream()
                        .anyMatch(
                            c -> c.getCode().equals(expected.rules().interactiveComplexityCode())));
    if (addOn != expected.interactiveComplexity()) {
      wrong.add(
          expected.interactiveComplexity()
              ? "the interactive complexity add-on "
                  + expected.rules().interactiveComplexityCode()
                  + " is missing"
              : "the add-on "
                  + expected.rules().interactiveComplexityCode()
                  + " is not in the note");
    }
    Optional<String> rendering = renderingOf(claim);
    if (expected.rendering() != null
        && rendering.isPresent()
        && !expected.rendering().equals(rendering.get())) {
      wrong.add("rendering provider " + rendering.get() + " should be " + expected.rendering());
    }
    return wrong;
  }

  /** The draft Claim for an expected line. */
  static Claim claim(Expected e, Date created) {
    Claim claim = new Claim();
    claim.getMeta().addProfile(BillingCodes.CLAIM_PROFILE);
    claim.addIdentifier().setSystem(BillingCodes.MEMBER_SESSION_SYSTEM).setValue(e.key());
    claim.setStatus(Claim.ClaimStatus.DRAFT);
    claim.setType(
        new CodeableConcept(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/claim-type",
                "professional",
                "Professional")));
    claim.setUse(Claim.Use.CLAIM);
    claim.setPatient(new Reference(e.patient()));
    claim.getBillablePeriod().setStart(e.session().getStart()).setEnd(e.session().getEnd());
    claim.setCreated(created);
    if (e.provider() != null) {
      claim.setProvider(new Reference(e.provider()));
    }
    if (e.payerOrganization() != null) {
      claim.setInsurer(new Reference(e.payerOrganization()));
    }
    claim.setPriority(
        new CodeableConcept(
            new Coding("http://terminology.hl7.org/CodeSystem/processpriority", "normal", null)));
    claim
        .addCareTeam()
        .setSequence(1)
        .setProvider(new Reference(e.rendering()))
        .setResponsible(true)
        .setRole(
            new CodeableConcept(
                new Coding(
                    "http://terminology.hl7.org/CodeSystem/claimcareteamrole", "primary", null)));
    int sequence = 2;
    for (String other : e.others()) {
      claim
          .addCareTeam()
          .setSequence(sequence++)
          .setProvider(new Reference(other))
          .setRole(
              new CodeableConcept(
                  new Coding(
                      "http://terminology.hl7.org/CodeSystem/claimcareteamrole", "assist", null)));
    }
    for (int i = 0; i < e.diagnoses().size(); i++) {
      claim
          .addDiagnosis()
          .setSequence(i + 1)
          .setDiagnosis(
              new CodeableConcept(new Coding(BillingCodes.ICD10, e.diagnoses().get(i), null)));
    }
    claim
        .addInsurance()
        .setSequence(1)
        .setFocal(true)
        .setCoverage(new Reference(e.coverage().getIdElement().toUnqualifiedVersionless()));
    Claim.ItemComponent item = item(claim, 1, e.code(), e, e.rules().fee(e.code()));
    e.modifiers()
        .forEach(
            m ->
                item.addModifier(
                    new CodeableConcept(new Coding(BillingCodes.modifierSystem(m), m, null))));
    if (e.interactiveComplexity()) {
      String addOn = e.rules().interactiveComplexityCode();
      item(claim, 2, addOn, e, e.rules().fee(addOn));
    }
    claim.setTotal(new Money().setValue(e.amount()).setCurrency("USD"));
    return claim;
  }

  private static Claim.ItemComponent item(
      Claim claim, int sequence, String code, Expected e, BigDecimal fee) {
    Claim.ItemComponent item = claim.addItem().setSequence(sequence);
    item.addCareTeamSequence(1);
    for (int d = 1; d <= Math.min(4, e.diagnoses().size()); d++) {
      item.addDiagnosisSequence(d);
    }
    item.setProductOrService(new CodeableConcept(new Coding(BillingCodes.CPT, code, null)));
    item.setServiced(
        new org.hl7.fhir.r4.model.DateType(
            e.session().getStartElement().getValueAsString().substring(0, 10)));
    item.setLocation(new CodeableConcept(new Coding(BillingCodes.POS, e.placeOfService(), null)));
    item.getQuantity().setValue(1);
    item.setUnitPrice(new Money().setValue(fee).setCurrency("USD"));
    item.setNet(new Money().setValue(fee).setCurrency("USD"));
    if (e.encounter() != null) {
      item.addEncounter(new Reference(e.encounter().getIdElement().toUnqualifiedVersionless()));
    }
    return item;
  }

  static String claimId(Claim claim) {
    return claim.getIdElement().toUnqualifiedVersionless().getValue();
  }

  static String idOf(Appointment session) {
    return session.getIdElement().toUnqualifiedVersionless().getValue();
  }

  static void requireOrdered(LocalDate start, LocalDate end) {
    if (start == null || end == null) {
      throw InvalidParameter.malformed(
          "start", "start and end (dates) are required for a period, or call it on one session");
    }
    if (end.isBefore(start)) {
      throw InvalidParameter.unprocessable(
          "end", "end " + end + " is before start " + start + ": the period is inverted");
    }
  }
}
