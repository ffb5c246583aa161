package org.grouptherapy.bench;

import static org.grouptherapy.bench.BenchClient.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.HdrHistogram.Histogram;

/**
 * Placement at practice scale: {@code Patient/$place} for one person against 2,000 groups (p50/p95,
 * next to plain reads of the same groups), and {@code Group/$place-waitlist} for 5,000 screened
 * people against 500 groups with open seats: time, feasible pairs, the exact total score and what
 * first come, first served would have reached. Every resource goes in over HTTP and through the
 * server's own hooks (screening responses are validated and scored, Group writes checked for
 * consents and capacity). Appends a section to docs/benchmarks.md.
 *
 * <p>Arguments (optional): {@code --groups 2000 --waitlist-groups 500 --people 5000 --calls 50}.
 */
public final class PlacementBenchmark {

  private static final String BASE = "http://grouptherapy.example.org/fhir";
  private static final String SD = BASE + "/StructureDefinition/";
  private static final String CS = BASE + "/CodeSystem/";
  private static final String[] FOCUS = {"F32", "F33", "F41", "F43", "F60", "F91", "F10"};
  private static final String[] DAYS = {"mon", "tue", "wed", "thu", "fri"};
  private static final String[] PARTS = {"morning", "afternoon", "evening"};
  private static final int[] HOURS = {9, 14, 18};
  private static final String[] FREQUENCY = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"};
  private static final String[] AGREEMENT = {
    "strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"
  };
  private static final int MEMBERS = 3;
  private static final int MAXIMUM = 8;

  private final BenchClient fhir;
  private final Random random = new Random(2026);
  private static final int PRACTITIONERS = 200;
  private final List<String> practitioners = new ArrayList<>();
  private String organization;
  private int groupsMade;

  private PlacementBenchmark(String base) {
    this.fhir = new BenchClient(base);
  }

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    Path jar = options.jar();
    int groups = options.integer("groups", 2000);
    int waitlistGroups = options.integer("waitlist-groups", 500);
    int people = options.integer("people", 5000);
    int calls = options.integer("calls", 50);

    String report;
    ServerProcess server =
        ServerProcess.start(
            jar,
            "placement",
            List.of(
                "--app.security.enabled=false",
                "--logging.level.org.grouptherapy.placement.PlacementService=DEBUG"));
    try {
      PlacementBenchmark bench = new PlacementBenchmark(server.fhirBase());
      bench.practice();
      long t0 = System.nanoTime();
      List<String> groupIds = bench.groups(waitlistGroups);
      List<String> waiting = bench.screenedPeople(people, groupIds);
      System.out.printf(
          Locale.ROOT,
          "loaded %d groups and %d screened, waitlisted people in %.0f s%n",
          waitlistGroups,
          people,
          (System.nanoTime() - t0) / 1e9);
      Waitlist first = bench.placeWaitlist(); // warms the JIT and caches
      System.out.println("warm-up " + first);
      Waitlist solved = bench.placeWaitlist();
      System.out.println(solved);
      double inputsRead = bench.readWaitlistInputs();
      System.out.printf(Locale.ROOT, "plain searches of the same inputs: %.2f s%n", inputsRead);

      groupIds.addAll(bench.groups(groups - waitlistGroups));
      System.out.println(groupIds.size() + " groups; timing $place …");
      Histogram place = new Histogram(3_600_000_000L, 3);
      Histogram plain = new Histogram(3_600_000_000L, 3);
      for (int i = 0; i < calls + 5; i++) {
        String person = waiting.get(bench.random.nextInt(waiting.size()));
        long started = System.nanoTime();
        HttpResponse<String> response = bench.fhir.get(person + "/$place?_count=10");
        long placeMicros = (System.nanoTime() - started) / 1000;
        BenchClient.check(response, "$place");
        started = System.nanoTime();
        int read = bench.fhir.readAll("Group?_count=1000");
        long plainMicros = (System.nanoTime() - started) / 1000;
        if (read < groups) {
          throw new IllegalStateException("read " + read + " groups, expected " + groups);
        }
        if (i >= 5) {
          place.recordValue(placeMicros);
          plain.recordValue(plainMicros);
        }
      }
      report = report(groups, people, waitlistGroups, solved, inputsRead, place, plain);
    } finally {
      server.close();
      server.deleteData();
    }
    options.publish(report);
  }

  /** One $place-waitlist run. */
  record Waitlist(
      double seconds, int assigned, int unassigned, String method, double total, double byHand) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "$place-waitlist: %.2f s, %d placed, %d waiting, total %.1f (first come first served"
              + " %.1f); %s",
          seconds,
          assigned,
          unassigned,
          total,
          byHand,
          method);
    }
  }

  // --- the practice ------------------------------------------------------------------------

  private void practice() throws Exception {
    organization = fhir.create("Organization", JSON.createObjectNode().put("name", "Bench"));
    List<ObjectNode> batch = new ArrayList<>();
    for (int i = 0; i < PRACTITIONERS; i++) {
      ObjectNode p =
          JSON.createObjectNode().put("resourceType", "Practitioner").put("active", true);
      p.putArray("name").addObject().put("family", "Facilitator" + i);
      batch.add(p);
    }
    practitioners.addAll(fhir.transact(batch));
    batch.clear();
    for (String practitioner : practitioners) {
      ObjectNode role =
          JSON.createObjectNode().put("resourceType", "PractitionerRole").put("active", true);
      role.putObject("practitioner").put("reference", practitioner);
      role.putObject("organization").put("reference", organization);
      batch.add(role);
    }
    fhir.transact(batch);
  }

  /** Groups with focus, ages, capacity, three consented members and one upcoming session each. */
  private List<String> groups(int count) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int start = 0; start < count; start += 25) {
      int n = Math.min(25, count - start);
      List<ObjectNode> members = new ArrayList<>();
      for (int i = 0; i < n * MEMBERS; i++) {
        members.add(member(i));
      }
      List<String> memberIds = fhir.transact(members);
      List<ObjectNode> consents = new ArrayList<>();
      for (String member : memberIds) {
        for (String kind : List.of("group-treatment", "group-confidentiality")) {
          consents.add(BenchClient.consent(member, kind));
        }
      }
      fhir.transact(consents);
      List<ObjectNode> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        batch.add(group(groupsMade + i, memberIds.subList(i * MEMBERS, (i + 1) * MEMBERS)));
      }
      List<String> groupIds = fhir.transact(batch);
      List<ObjectNode> sessions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sessions.add(session(groupIds.get(i), groupsMade + i));
      }
      groupsMade += n;
      fhir.transact(sessions);
      ids.addAll(groupIds);
    }
    return ids;
  }

  /** Group i's facilitator: each facilitates at most 15 groups, at different times. */
  private String facilitator(int index) {
    return practitioners.get(index % PRACTITIONERS);
  }

  /**
   * Group i's weekly time (of 15: five weekdays, three parts of the day), unique per facilitator.
   */
  private static int window(int index) {
    return (index / PRACTITIONERS + index % PRACTITIONERS) % (DAYS.length * PARTS.length);
  }

  private ObjectNode group(int index, List<String> members) {
    ObjectNode group =
        BenchClient.therapyGroup(
            "Bench group " + index,
            organization,
            facilitator(index),
            index % 3 == 0 ? "psychoeducation" : "process",
            3,
            MAXIMUM,
            members);
    ArrayNode ext = (ArrayNode) group.get("extension");
    ext.addObject().put("url", SD + "group-timezone").put("valueCode", "UTC");
    for (int f = 0; f < 1 + random.nextInt(2); f++) {
      ext.addObject()
          .put("url", SD + "group-clinical-focus")
          .putObject("valueCodeableConcept")
          .putArray("coding")
          .addObject()
          .put("system", "http://hl7.org/fhir/sid/icd-10-cm")
          .put("code", FOCUS[random.nextInt(FOCUS.length)]);
    }
    int low = 18 + 5 * random.nextInt(3);
    ObjectNode range = ext.addObject().put("url", SD + "group-age-range").putObject("valueRange");
    range.putObject("low").put("value", low).put("unit", "a");
    range.putObject("high").put("value", low + 40 + 5 * random.nextInt(4)).put("unit", "a");
    if (index % 5 == 0) {
      ext.addObject().put("url", SD + "group-acuity-limit").put("valuePositiveInt", 1);
    }
    return group;
  }

  /** The group's one booked session in the coming week, at its weekly time. */
  private ObjectNode session(String group, int index) {
    int window = window(index);
    LocalDate day = LocalDate.now(ZoneOffset.UTC).plusDays(1);
    while (day.getDayOfWeek().getValue() != 1 + window / PARTS.length) {
      day = day.plusDays(1);
    }
    ZonedDateTime start = day.atTime(HOURS[window % PARTS.length], 0).atZone(ZoneOffset.UTC);
    ObjectNode session =
        JSON.createObjectNode()
            .put("resourceType", "Appointment")
            .put("status", "booked")
            .put("start", start.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
            .put("end", start.plusMinutes(90).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    session.putArray("supportingInformation").addObject().put("reference", group);
    session
        .putArray("participant")
        .addObject()
        .put("status", "accepted")
        .putObject("actor")
        .put("reference", facilitator(index));
    return session;
  }

  /**
   * A group's current member: 29 to 54 years old, inside every group's age range (its low end is 18
   * to 28, its high end 58 or more), since a Group write is refused for a member outside it.
   */
  private ObjectNode member(int index) {
    ObjectNode patient = patient(index);
    patient.put(
        "birthDate",
        LocalDate.now(ZoneOffset.UTC)
            .minusYears(30 + random.nextInt(25))
            .withDayOfMonth(1)
            .toString());
    return patient;
  }

  private ObjectNode patient(int index) {
    ObjectNode patient = JSON.createObjectNode().put("resourceType", "Patient");
    patient.putArray("name").addObject().put("family", "Bench" + index);
    patient.put(
        "birthDate", LocalDate.of(1950 + random.nextInt(55), 1 + random.nextInt(12), 1).toString());
    return patient;
  }

  /**
   * People with a diagnosis, a scored PHQ-9 and a group readiness response, each on the waitlist of
   * one of the groups (as they would be after asking for a full group).
   */
  private List<String> screenedPeople(int count, List<String> groups) throws Exception {
    List<String> ids = new ArrayList<>();
    Map<String, List<String>> waitlists = new LinkedHashMap<>();
    for (int start = 0; start < count; start += 100) {
      int n = Math.min(100, count - start);
      List<ObjectNode> patients = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        patients.add(patient(start + i));
      }
      List<String> created = fhir.transact(patients);
      List<ObjectNode> screening = new ArrayList<>();
      for (String person : created) {
        ObjectNode condition = JSON.createObjectNode().put("resourceType", "Condition");
        condition
            .putObject("clinicalStatus")
            .putArray("coding")
            .addObject()
            .put("system", "http://terminology.hl7.org/CodeSystem/condition-clinical")
            .put("code", "active");
        condition
            .putObject("code")
            .putArray("coding")
            .addObject()
            .put("system", "http://hl7.org/fhir/sid/icd-10-cm")
            .put("code", FOCUS[random.nextInt(FOCUS.length)] + ".1");
        condition.putObject("subject").put("reference", person);
        screening.add(condition);
        int[] phq = new int[9];
        for (int q = 0; q < 8; q++) {
          phq[q] = random.nextInt(4);
        }
        screening.add(frequency("phq-9", person, phq));
        screening.add(readiness(person));
      }
      fhir.transact(screening);
      for (String person : created) {
        waitlists
            .computeIfAbsent(groups.get(random.nextInt(groups.size())), g -> new ArrayList<>())
            .add(person);
      }
      ids.addAll(created);
    }
    List<ObjectNode> lists = new ArrayList<>();
    for (Map.Entry<String, List<String>> waitlist : waitlists.entrySet()) {
      ObjectNode list =
          JSON.createObjectNode()
              .put("resourceType", "List")
              .put("status", "current")
              .put("mode", "working")
              .put("title", "Waitlist");
      list.putObject("code")
          .putArray("coding")
          .addObject()
          .put("system", CS + "intake-codes")
          .put("code", "waitlist");
      list.putObject("subject").put("reference", waitlist.getKey());
      ArrayNode entries = list.putArray("entry");
      waitlist.getValue().forEach(p -> entries.addObject().putObject("item").put("reference", p));
      lists.add(list);
      if (lists.size() == 100) {
        fhir.transact(lists);
        lists.clear();
      }
    }
    if (!lists.isEmpty()) {
      fhir.transact(lists);
    }
    return ids;
  }

  private static ObjectNode frequency(String questionnaire, String patient, int[] answers) {
    ObjectNode response = response(questionnaire, patient);
    ArrayNode items = response.putArray("item");
    for (int i = 0; i < answers.length; i++) {
      items
          .addObject()
          .put("linkId", String.valueOf(i + 1))
          .putArray("answer")
          .addObject()
          .putObject("valueCoding")
          .put("system", "http://loinc.org")
          .put("code", FREQUENCY[answers[i]]);
    }
    return response;
  }

  private ObjectNode readiness(String patient) {
    ObjectNode response = response("group-readiness", patient);
    ArrayNode items = response.putArray("item");
    for (int i = 1; i <= 6; i++) {
      items
          .addObject()
          .put("linkId", "r" + i)
          .putArray("answer")
          .addObject()
          .putObject("valueCoding")
          .put("system", CS + "agreement")
          .put("code", AGREEMENT[1 + random.nextInt(4)]);
    }
    ArrayNode windows = items.addObject().put("linkId", "availability").putArray("answer");
    for (String day : DAYS) {
      for (String part : PARTS) {
        if (random.nextInt(3) == 0) {
          windows
              .addObject()
              .putObject("valueCoding")
              .put("system", CS + "availability-window")
              .put("code", day + "-" + part);
        }
      }
    }
    if (windows.isEmpty()) {
      windows
          .addObject()
          .putObject("valueCoding")
          .put("system", CS + "availability-window")
          .put("code", "mon-evening");
    }
    items
        .addObject()
        .put("linkId", "attendance-mode")
        .putArray("answer")
        .addObject()
        .putObject("valueCoding")
        .put("system", CS + "attendance-mode")
        .put("code", random.nextInt(4) == 0 ? "in-person" : "either");
    return response;
  }

  private static ObjectNode response(String questionnaire, String patient) {
    ObjectNode response =
        JSON.createObjectNode()
            .put("resourceType", "QuestionnaireResponse")
            .put("questionnaire", BASE + "/Questionnaire/" + questionnaire)
            .put("status", "completed")
            .put("authored", "2026-11-02T10:00:00Z");
    response.putObject("subject").put("reference", patient);
    return response;
  }

  // --- the measured calls ------------------------------------------------------------------

  private Waitlist placeWaitlist() throws Exception {
    // No parameters: the whole practice's waitlists (an empty array is not valid R4 JSON).
    ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
    long started = System.nanoTime();
    HttpResponse<String> response = fhir.post("Group/$place-waitlist", parameters);
    double seconds = (System.nanoTime() - started) / 1e9;
    BenchClient.check(response, "$place-waitlist");
    int assigned = 0;
    int unassigned = 0;
    String method = "";
    double total = 0;
    double byHand = 0;
    for (JsonNode parameter : JSON.readTree(response.body()).path("parameter")) {
      switch (parameter.path("name").asText()) {
        case "assignment" -> assigned++;
        case "unassigned" -> unassigned++;
        case "method" -> method = parameter.path("valueString").asText();
        case "totalScore" -> total = parameter.path("valueDecimal").asDouble();
        case "firstComeFirstServedScore" -> byHand = parameter.path("valueDecimal").asDouble();
        default -> {}
      }
    }
    return new Waitlist(seconds, assigned, unassigned, method, total, byHand);
  }

  /** The floor: plain searches that page through what $place-waitlist has to read. */
  private double readWaitlistInputs() throws Exception {
    long started = System.nanoTime();
    for (String search :
        List.of(
            "Group?_count=1000",
            "List?_count=1000",
            "Patient?_count=1000",
            "Condition?_count=1000",
            "Observation?_count=1000",
            "QuestionnaireResponse?questionnaire="
                + BASE
                + "/Questionnaire/group-readiness&_count=1000")) {
      fhir.readAll(search);
    }
    return (System.nanoTime() - started) / 1e9;
  }

  // --- report ------------------------------------------------------------------------------

  private static String report(
      int groups,
      int people,
      int waitlistGroups,
      Waitlist solved,
      double inputsRead,
      Histogram place,
      Histogram plain) {
    double gap =
        solved.total() == 0 ? 0 : 100 * (solved.total() - solved.byHand()) / solved.total();
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "%n## Placement (%s)%n%n", LocalDate.now()));
    md.append(
        String.format(
            Locale.ROOT,
            "- `Group/$place-waitlist`, %d screened people on the waitlists of %d groups"
                + " (%d seats open): %.2f s (plain searches paging through the same inputs:"
                + " %.2f s, %.2f×). %d placed, %d left waiting.%n",
            people,
            waitlistGroups,
            waitlistGroups * (MAXIMUM - MEMBERS),
            solved.seconds(),
            inputsRead,
            solved.seconds() / inputsRead,
            solved.assigned(),
            solved.unassigned()));
    md.append(
        String.format(
            Locale.ROOT,
            "- Gap to the optimum: 0 (the assignment is %s; the solver is checked"
                + " against brute force in `WaitlistSolverTest`). First come, first served"
                + " would reach %.1f of %.1f: %.1f%% less.%n",
            solved.method(),
            solved.byHand(),
            solved.total(),
            gap));
    md.append(
        String.format(
            Locale.ROOT,
            "- `Patient/$place` against %d groups: p50 %.0f ms, p95 %.0f ms (%d calls); one"
                + " plain paged read of the same groups: p50 %.0f ms, p95 %.0f ms (%.2f× at"
                + " p50).%n",
            groups,
            place.getValueAtPercentile(50) / 1000.0,
            place.getValueAtPercentile(95) / 1000.0,
            place.getTotalCount(),
            plain.getValueAtPercentile(50) / 1000.0,
            plain.getValueAtPercentile(95) / 1000.0,
            (double) place.getValueAtPercentile(50) / plain.getValueAtPercentile(50)));
    return md.toString();
  }
}
