package org.grouptherapy.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.Searches;
import org.grouptherapy.scheduling.SubstituteService.Cover;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Who may cover a group session ({@code $find-substitute}), ranked with reasons.
 *
 * <p>A candidate is an active practitioner with an active role, not already facilitating the
 * session, free for the session and its prep and documentation time (any booking in the ledger, PTO
 * included: named as leave), working at that time (their roles' {@link WorkingHours}), and under
 * their weekly hours limit with the session added. Their score: specialty fit to the group's
 * modality (40), facilitated this group before (25), works at the group's site (10), and up to 25
 * for weekly headroom. Ties go to the practitioner id, so the ranking is deterministic.
 */
@Service
public class SubstituteFinder {

  private final DaoRegistry daos;
  private final JdbcTemplate jdbc;
  private final SubstituteService substitutes;
  private final WorkingHours hours;
  private final org.grouptherapy.kernel.CalendarDirectory directory;

  SubstituteFinder(
      DaoRegistry daos,
      JdbcTemplate jdbc,
      SubstituteService substitutes,
      WorkingHours hours,
      org.grouptherapy.kernel.CalendarDirectory directory) {
    this.daos = daos;
    this.directory = directory;
    this.jdbc = jdbc;
    this.substitutes = substitutes;
    this.hours = hours;
  }

  /** Words in a role's specialty that fit a modality (group-modality codes). */
  private static final Map<String, List<String>> FITS =
      Map.ofEntries(
          Map.entry("process", List.of("process", "interpersonal")),
          Map.entry("interpersonal", List.of("interpersonal", "process")),
          Map.entry("psychoeducation", List.of("psychoeducation")),
          Map.entry("dbt-skills", List.of("dbt", "dialectical")),
          Map.entry("cbt", List.of("cbt", "cognitive")),
          Map.entry("act", List.of("act", "acceptance")),
          Map.entry("mindfulness", List.of("mindfulness")),
          Map.entry("support", List.of("support", "grief")),
          Map.entry("multi-family", List.of("family")),
          Map.entry("relapse-prevention", List.of("substance", "relapse", "addiction")),
          Map.entry("trauma-recovery", List.of("trauma")),
          Map.entry("social-skills", List.of("social")),
          Map.entry("parenting", List.of("parent", "family")),
          Map.entry("anger-management", List.of("anger")));

  /** A practitioner who may cover, with the parts of their score. */
  record Candidate(String practitioner, String name, int score, List<String> reasons) {}

  public Parameters find(String appointmentId, String replacing) {
    SystemRequestDetails request = new SystemRequestDetails();
    Cover cover = substitutes.cover(appointmentId, replacing, request);
    Set<String> facilitating = SubstituteService.facilitators(cover.session());
    Map<String, PractitionerRole> roles = new LinkedHashMap<>();
    Map<String, Practitioner> practitioners = new LinkedHashMap<>();
    activeRoles(roles, practitioners, request);
    practitioners.keySet().removeIf(id -> facilitating.contains(id) || !roles.containsKey(id));
    practitioners.values().removeIf(p -> p.hasActive() && !p.getActive());
    String[] keys = practitioners.keySet().toArray(String[]::new);
    Map<String, Boolean> busy = busy(keys, cover);
    Map<String, Double> booked = bookedHoursThatWeek(keys, cover);
    Scoring scoring =
        new Scoring(
            knownToGroup(cover, request),
            site(cover, request),
            modality(cover),
            Duration.between(cover.from(), cover.to()).toMinutes() / 60.0);
    List<Candidate> candidates = new ArrayList<>();
    Parameters out = new Parameters();
    for (Map.Entry<String, Practitioner> entry : practitioners.entrySet()) {
      String id = entry.getKey();
      String name = SubstituteService.name(entry.getValue(), id);
      if (busy.containsKey(id)) {
        excluded(
            out,
            id,
            name,
            busy.get(id)
                ? "On leave at that time (PTO)"
                : "Busy at that time (a session, appointment or block overlaps)");
        continue;
      }
      Optional<String> offDuty =
          hours.outside(
              id,
              cover.session().getStart().toInstant(),
              cover.session().getEnd().toInstant(),
              cover.group().zone(),
              request);
      if (offDuty.isPresent()) {
        excluded(out, id, name, "Outside working hours: " + offDuty.get());
        continue;
      }
      double weekHours = booked.getOrDefault(id, 0.0);
      Optional<Double> limit = weeklyLimit(roles.get(id));
      if (limit.isPresent() && weekHours + scoring.added() > limit.get() + 1e-9) {
        excluded(
            out,
            id,
            name,
            String.format(
                Locale.ROOT,
                "Would work %.1f h that week, over the %.1f h limit",
                weekHours + scoring.added(),
                limit.get()));
        continue;
      }
      candidates.add(scoring.candidate(id, name, roles.get(id), weekHours, limit));
    }
    candidates.sort(
        Comparator.comparingInt(Candidate::score)
            .reversed()
            .thenComparing(Candidate::practitioner));
    out.getParameter().addAll(0, ranked(candidates));
    out.getParameter()
        .add(
            0,
            new Parameters.ParametersParameterComponent()
                .setName("replacing")
                .setValue(new Reference(cover.replacing())));
    return out;
  }

  /** What a candidate's score is made of, the same for every candidate of one session. */
  private record Scoring(Map<String, Integer> known, String site, String modality, double added) {

    Candidate candidate(
        String id, String name, PractitionerRole role, double hours, Optional<Double> limit) {
      int score = 0;
      List<String> reasons = new ArrayList<>();
      if (fits(role, modality)) {
        score += 40;
        reasons.add("Specialty fits the group's modality (" + modality + ")");
      } else {
        reasons.add("No specialty listed for " + (modality == null ? "this modality" : modality));
      }
      int sessions = known.getOrDefault(id, 0);
      if (sessions > 0) {
        score += 25;
        reasons.add("Has facilitated this group before (" + sessions + " sessions)");
      }
      if (site != null
          && role.getLocation().stream().anyMatch(l -> site.equals(References.of(l)))) {
        score += 10;
        reasons.add("Works at the group's site");
      }
      if (limit.isPresent()) {
        double headroom = Math.max(0, limit.get() - hours - added);
        score += (int) Math.round(25 * Math.min(1.0, headroom / Math.max(1.0, limit.get())));
        reasons.add(
            String.format(
                Locale.ROOT,
                "%.1f of %.1f weekly hours booked before this session",
                hours,
                limit.get()));
      } else {
        score += 12;
        reasons.add(
            String.format(
                Locale.ROOT, "%.1f hours booked that week (no weekly limit recorded)", hours));
      }
      return new Candidate(id, name, score, reasons);
    }
  }

  private static String modality(Cover cover) {
    return cover.group().resource().getCode().getCoding().stream()
        .filter(c -> SchedulingCodes.MODALITY_SYSTEM.equals(c.getSystem()))
        .map(c -> c.getCode())
        .findFirst()
        .orElse(null);
  }

  /**
   * Of these practitioners, those with any booking overlapping the cover (blocks, PTO too), each
   * with whether PTO is among them (then they are on leave, not merely busy).
   */
  private Map<String, Boolean> busy(String[] keys, Cover cover) {
    Map<String, Boolean> busy = new HashMap<>();
    jdbc.query(
        "SELECT resource_key, bool_or(kind = 'pto') FROM gt.booking WHERE resource_key = ANY (?)"
            + " AND during && tstzrange(?, ?) GROUP BY resource_key",
        ps -> {
          ps.setArray(1, ps.getConnection().createArrayOf("text", keys));
          ps.setTimestamp(2, Timestamp.from(cover.from()));
          ps.setTimestamp(3, Timestamp.from(cover.to()));
        },
        rs -> {
          busy.put(rs.getString(1), rs.getBoolean(2));
        });
    return busy;
  }

  /** Hours each practitioner is booked in the week (Monday to Sunday) of the session, PTO aside. */
  private Map<String, Double> bookedHoursThatWeek(String[] keys, Cover cover) {
    ZoneId zone = cover.group().zone();
    LocalDate monday =
        PracticeTime.dateOf(cover.session(), zone)
            .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    Instant weekStart = PracticeTime.startOf(monday, zone);
    Instant weekEnd = PracticeTime.startOf(monday.plusWeeks(1), zone);
    Map<String, Double> booked = new HashMap<>();
    jdbc.query(
        "SELECT resource_key, sum(extract(epoch FROM (least(upper(during), ?) -"
            + " greatest(lower(during), ?)))) / 3600.0 AS hours FROM gt.booking"
            + " WHERE resource_key = ANY (?) AND during && tstzrange(?, ?) AND kind <> 'pto'"
            + " GROUP BY resource_key",
        ps -> {
          ps.setTimestamp(1, Timestamp.from(weekEnd));
          ps.setTimestamp(2, Timestamp.from(weekStart));
          ps.setArray(3, ps.getConnection().createArrayOf("text", keys));
          ps.setTimestamp(4, Timestamp.from(weekStart));
          ps.setTimestamp(5, Timestamp.from(weekEnd));
        },
        rs -> {
          booked.put(rs.getString(1), rs.getDouble(2));
        });
    return booked;
  }

  private static List<Parameters.ParametersParameterComponent> ranked(List<Candidate> candidates) {
    List<Parameters.ParametersParameterComponent> ranked = new ArrayList<>();
    for (Candidate candidate : candidates) {
      var part = new Parameters.ParametersParameterComponent().setName("candidate");
      part.addPart()
          .setName("practitioner")
          .setValue(new Reference(candidate.practitioner()).setDisplay(candidate.name()));
      part.addPart().setName("score").setValue(new DecimalType(candidate.score()));
      for (String reason : candidate.reasons()) {
        part.addPart().setName("reason").setValue(new StringType(reason));
      }
      ranked.add(part);
    }
    return ranked;
  }

  /** Active roles, and their practitioners read in one search by id. */
  private void activeRoles(
      Map<String, PractitionerRole> roles,
      Map<String, Practitioner> practitioners,
      SystemRequestDetails request) {
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(PractitionerRole.SP_ACTIVE, new TokenParam("true"));
    List<PractitionerRole> all = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(PractitionerRole.class).searchForResources(search, request)) {
      PractitionerRole role = (PractitionerRole) found;
      all.add(role);
      String practitioner = References.of(role.getPractitioner());
      if (practitioner != null && practitioner.startsWith("Practitioner/")) {
        roles.putIfAbsent(practitioner, role);
      }
    }
    // Working hours of every candidate come from these roles, not a search each.
    directory.rememberActiveRoles(roles.keySet(), all, request);
    if (roles.isEmpty()) {
      return;
    }
    Searches.byIds(daos, Practitioner.class, roles.keySet(), request).stream()
        .sorted(Comparator.comparing(p -> p.getIdElement().toUnqualifiedVersionless().getValue()))
        .forEach(p -> practitioners.put(p.getIdElement().toUnqualifiedVersionless().getValue(), p));
  }

  /** Practitioners who facilitated earlier sessions of the group, with how many. */
  private Map<String, Integer> knownToGroup(Cover cover, SystemRequestDetails request) {
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(Appointment.SP_SUPPORTING_INFO, new ReferenceParam(cover.group().id()));
    search.add(
        Appointment.SP_DATE, new DateParam(ParamPrefixEnum.LESSTHAN, cover.session().getStart()));
    Map<String, Integer> known = new HashMap<>();
    for (IBaseResource found :
        daos.getResourceDao(Appointment.class).searchForResources(search, request)) {
      Appointment earlier = (Appointment) found;
      if (earlier.getStatus() == Appointment.AppointmentStatus.CANCELLED) {
        continue;
      }
      for (AppointmentParticipantComponent p : earlier.getParticipant()) {
        if (GroupSession.isFacilitator(p, true) || GroupSession.isFacilitator(p, false)) {
          known.merge(References.of(p.getActor()), 1, Integer::sum);
        }
      }
    }
    return known;
  }

  /** The site of the session's room, if it is held in one. */
  private String site(Cover cover, SystemRequestDetails request) {
    for (AppointmentParticipantComponent p : cover.session().getParticipant()) {
      String actor = References.of(p.getActor());
      if (actor != null && actor.startsWith("Location/")) {
        Location room = daos.getResourceDao(Location.class).read(new IdType(actor), request);
        if (room.hasPartOf()) {
          return References.of(room.getPartOf());
        }
      }
    }
    return null;
  }

  private static boolean fits(PractitionerRole role, String modality) {
    if (modality == null) {
      return false;
    }
    for (CodeableConcept specialty : role.getSpecialty()) {
      if (specialty.getCoding().stream()
          .anyMatch(
              c ->
                  SchedulingCodes.MODALITY_SYSTEM.equals(c.getSystem())
                      && modality.equals(c.getCode()))) {
        return true;
      }
      String text =
          (specialty.getText() == null ? "" : specialty.getText()).toLowerCase(Locale.ROOT);
      for (String word : FITS.getOrDefault(modality, List.of(modality))) {
        if (text.matches(".*\\b" + word + "\\b.*")) {
          return true;
        }
      }
    }
    return false;
  }

  private static Optional<Double> weeklyLimit(PractitionerRole role) {
    Extension limit = role.getExtensionByUrl(SchedulingCodes.WEEKLY_HOURS_LIMIT);
    if (limit != null && limit.getValue() instanceof DecimalType d && d.getValue() != null) {
      return Optional.of(d.getValue().doubleValue());
    }
    return Optional.empty();
  }

  private static void excluded(Parameters out, String id, String name, String reason) {
    var part = out.addParameter().setName("excluded");
    part.addPart().setName("practitioner").setValue(new Reference(id).setDisplay(name));
    part.addPart().setName("reason").setValue(new StringType(reason));
  }
}
