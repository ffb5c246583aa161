package org.grouptherapy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/**
 * Scheduling at practice scale: {@code $schedule-series} of weekly sessions for many groups (every
 * session and its prep and documentation blocks checked against the booking ledger), the same on a
 * calendar made 4× fuller, the same Appointments and Slots written as plain transaction Bundles on
 * a server without our checks (the floor), and {@code $find-substitute} over all practitioners.
 * Appends a section to docs/benchmarks.md.
 *
 * <p>Arguments (optional): {@code --groups 200 --weeks 52 --substitute-calls 100}.
 */
public final class SchedulingBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SD = "http://grouptherapy.example.org/fhir/StructureDefinition/";
  private static final String BLOCK_TYPES =
      "http://grouptherapy.example.org/fhir/CodeSystem/calendar-block-type";
  private static final ZoneId ZONE = ZoneId.of("America/New_York");
  private static final LocalDate FIRST_MONDAY = LocalDate.of(2027, 1, 4);
  private static final int ROOMS_PER_DAY = 5;
  private static final int MEMBERS = 8;
  private static final int PRACTITIONERS = 300;

  /** Groups scheduled first on each server, unmeasured, so that both are warm (JIT, caches). */
  private static final int WARMUP = 10;

  private final BenchClient fhir;

  private SchedulingBenchmark(String base) {
    this.fhir = new BenchClient(base);
  }

  /** The practice the benchmark schedules for. */
  record Practice(
      List<String> groups,
      List<List<String>> facilitators,
      List<String> rooms,
      List<List<String>> members) {

    Practice head(int n) {
      return new Practice(
          groups.subList(0, n), facilitators.subList(0, n), rooms, members.subList(0, n));
    }

    /** The groups after the first n, at their indexes (and so their rooms and weekdays). */
    Practice tail(int n) {
      List<String> rest = new ArrayList<>(Collections.nCopies(n, (String) null));
      rest.addAll(groups.subList(n, groups.size()));
      return new Practice(rest, facilitators, rooms, members);
    }
  }

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    Path jar = options.jar();
    int groups = options.integer("groups", 200);
    int weeks = options.integer("weeks", 52);
    int substituteCalls = options.integer("substitute-calls", 100);

    Phase empty;
    Phase fuller;
    Phase fill;
    Histogram substitutes;
    Seats seats;
    ServerProcess ours =
        ServerProcess.start(jar, "scheduling-ours", List.of("--app.security.enabled=false"));
    try {
      SchedulingBenchmark bench = new SchedulingBenchmark(ours.fhirBase());
      Practice all = bench.practice(groups + WARMUP, true);
      bench.scheduleAll(all.tail(groups), weeks, LocalTime.of(7, 0));
      Practice practice = all.head(groups);
      System.out.println("practice ready and warm; scheduling on an empty calendar …");
      empty = bench.scheduleAll(practice, weeks, LocalTime.of(18, 0));
      System.out.println(empty);
      System.out.println("filling the calendar 3× more …");
      fill = bench.fill(practice, weeks);
      System.out.println(fill);
      fuller = bench.scheduleAll(practice, weeks, LocalTime.of(14, 30));
      System.out.println(fuller);
      substitutes = bench.findSubstitutes(practice, substituteCalls);
      seats = bench.findSeats(practice, substituteCalls);
    } finally {
      ours.close();
      ours.deleteData();
    }
    Phase plain;
    ServerProcess baseline =
        ServerProcess.start(
            jar,
            "scheduling-baseline",
            List.of(
                "--app.fhir.tuned=false",
                "--app.fhir.validation=false",
                "--app.security.enabled=false",
                "--app.scheduling.enforce-invariants=false"));
    try {
      SchedulingBenchmark bench = new SchedulingBenchmark(baseline.fhirBase());
      Practice all = bench.practice(groups + WARMUP, false);
      bench.plainBundles(all.tail(groups), weeks, LocalTime.of(7, 0));
      Practice practice = all.head(groups);
      System.out.println("baseline: plain transaction Bundles …");
      plain = bench.plainBundles(practice, weeks, LocalTime.of(18, 0));
      System.out.println(plain);
    } finally {
      baseline.close();
      baseline.deleteData();
    }

    String report = report(groups, weeks, empty, fill, fuller, plain, substitutes, seats);
    options.publish(report);
  }

  /** One timed phase: how many sessions, in what wall time, and each request's latency. */
  record Phase(String name, int sessions, double seconds, Histogram latency) {
    double msPerSession() {
      return seconds * 1000 / sessions;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%s: %d sessions in %.1f s, %.2f ms/session, p95 %.0f ms",
          name,
          sessions,
          seconds,
          msPerSession(),
          latency.getValueAtPercentile(95) / 1000.0);
    }
  }

  // --- the practice -------------------------------------------------------------------------

  private Practice practice(int groups, boolean profiled) throws Exception {
    String organization =
        create("Organization", JSON.createObjectNode().put("name", "Bench practice"));
    ObjectNode siteJson = JSON.createObjectNode().put("name", "Bench site");
    String site = create("Location", siteJson);
    List<String> practitioners = new ArrayList<>();
    List<ObjectNode> batch = new ArrayList<>();
    for (int i = 0; i < PRACTITIONERS; i++) {
      ObjectNode p =
          JSON.createObjectNode().put("resourceType", "Practitioner").put("active", true);
      p.putArray("name").addObject().put("family", "Therapist" + i);
      batch.add(p);
    }
    practitioners.addAll(transact(batch));
    batch.clear();
    String[] specialties = {"DBT", "CBT", "Process groups", "Support groups", "Psychoeducation"};
    for (int i = 0; i < PRACTITIONERS; i++) {
      ObjectNode role =
          JSON.createObjectNode().put("resourceType", "PractitionerRole").put("active", true);
      role.putObject("practitioner").put("reference", practitioners.get(i));
      role.putObject("organization").put("reference", organization);
      role.putArray("specialty").addObject().put("text", specialties[i % specialties.length]);
      role.putArray("location").addObject().put("reference", site);
      role.putArray("extension")
          .addObject()
          .put("url", SD + "weekly-hours-limit")
          .put("valueDecimal", 40);
      batch.add(role);
    }
    transact(batch);
    batch.clear();
    int roomCount = (groups + ROOMS_PER_DAY - 1) / ROOMS_PER_DAY;
    for (int i = 0; i < roomCount; i++) {
      ObjectNode room =
          JSON.createObjectNode()
              .put("resourceType", "Location")
              .put("name", "Room " + i)
              .put("mode", "instance")
              .put("status", "active");
      room.putObject("physicalType")
          .putArray("coding")
          .addObject()
          .put("system", "http://terminology.hl7.org/CodeSystem/location-physical-type")
          .put("code", "ro");
      room.putObject("partOf").put("reference", site);
      room.putArray("extension")
          .addObject()
          .put("url", SD + "location-capacity")
          .put("valuePositiveInt", 14);
      batch.add(room);
    }
    List<String> rooms = transact(batch);
    batch.clear();
    List<List<String>> members = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      for (int m = 0; m < MEMBERS; m++) {
        ObjectNode patient = JSON.createObjectNode().put("resourceType", "Patient");
        patient.putArray("name").addObject().put("family", "Member" + g + "x" + m);
        batch.add(patient);
      }
      if (batch.size() >= 200 || g == groups - 1) {
        List<String> ids = transact(batch);
        for (int i = 0; i < ids.size(); i += MEMBERS) {
          members.add(ids.subList(i, i + MEMBERS));
        }
        batch.clear();
        if (profiled) { // our server admits members only with their group consents signed
          List<ObjectNode> consents = new ArrayList<>();
          for (String member : ids) {
            for (String kind : List.of("group-treatment", "group-confidentiality")) {
              consents.add(BenchClient.consent(member, kind));
            }
          }
          transact(consents);
        }
      }
    }
    List<String> groupIds = new ArrayList<>();
    List<List<String>> facilitators = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      List<String> who =
          g < 100 && groups > 100
              ? List.of(practitioners.get(g), practitioners.get(200 + g % 100))
              : List.of(practitioners.get(g % 200));
      facilitators.add(who);
      ObjectNode group =
          JSON.createObjectNode()
              .put("resourceType", "Group")
              .put("type", "person")
              .put("actual", true)
              .put("active", true)
              .put("name", "Bench group " + g);
      if (profiled) {
        group.putObject("meta").putArray("profile").add(SD + "therapy-group");
      }
      ArrayNode ext = group.putArray("extension");
      ObjectNode capacity = ext.addObject().put("url", SD + "group-capacity");
      capacity
          .putArray("extension")
          .add(JSON.createObjectNode().put("url", "minimum").put("valuePositiveInt", 4))
          .add(JSON.createObjectNode().put("url", "maximum").put("valuePositiveInt", 12));
      ext.addObject().put("url", SD + "group-enrolment-mode").put("valueCode", "open");
      ext.addObject().put("url", SD + "group-timezone").put("valueCode", ZONE.getId());
      ext.addObject()
          .put("url", SD + "group-location")
          .putObject("valueReference")
          .put("reference", rooms.get(g / ROOMS_PER_DAY));
      for (int i = 0; i < who.size(); i++) {
        ObjectNode f = ext.addObject().put("url", SD + "group-facilitator");
        f.putArray("extension")
            .add(
                JSON.createObjectNode()
                    .put("url", "practitioner")
                    .set("valueReference", JSON.createObjectNode().put("reference", who.get(i))))
            .add(
                JSON.createObjectNode()
                    .put("url", "role")
                    .put("valueCode", i == 0 ? "primary" : "co"));
      }
      ObjectNode blocks = ext.addObject().put("url", SD + "group-session-blocks");
      blocks
          .putArray("extension")
          .add(JSON.createObjectNode().put("url", "prepMinutes").put("valueUnsignedInt", 15))
          .add(
              JSON.createObjectNode()
                  .put("url", "documentationMinutes")
                  .put("valueUnsignedInt", 20));
      group
          .putObject("code")
          .putArray("coding")
          .addObject()
          .put("system", "http://grouptherapy.example.org/fhir/CodeSystem/group-modality")
          .put("code", "process");
      group.putObject("managingEntity").put("reference", organization);
      ArrayNode groupMembers = group.putArray("member");
      for (String m : members.get(g)) {
        groupMembers.addObject().putObject("entity").put("reference", m);
      }
      batch.add(group);
      if (batch.size() >= 50 || g == groups - 1) {
        groupIds.addAll(transact(batch));
        batch.clear();
      }
    }
    return new Practice(groupIds, facilitators, rooms, members);
  }

  private static LocalDate weekday(int group) {
    return FIRST_MONDAY.plusDays(group % ROOMS_PER_DAY);
  }

  // --- $schedule-series ---------------------------------------------------------------------

  private Phase scheduleAll(Practice practice, int weeks, LocalTime time) throws Exception {
    Histogram latency = new Histogram(3_600_000_000L, 3);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    long started = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    int count = 0;
    for (int g = 0; g < practice.groups().size(); g++) {
      if (practice.groups().get(g) == null) {
        continue; // another phase's group
      }
      count++;
      int group = g;
      futures.add(
          pool.submit(
              () -> {
                ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
                ArrayNode p = parameters.putArray("parameter");
                p.addObject().put("name", "rrule").put("valueString", "FREQ=WEEKLY");
                p.addObject()
                    .put("name", "start")
                    .put("valueString", LocalDateTime.of(weekday(group), time).toString());
                p.addObject().put("name", "durationMinutes").put("valueInteger", 90);
                p.addObject().put("name", "count").put("valueInteger", weeks);
                long t = System.nanoTime();
                HttpResponse<String> response =
                    post(practice.groups().get(group) + "/$schedule-series", parameters);
                synchronized (latency) {
                  latency.recordValue((System.nanoTime() - t) / 1000);
                }
                BenchClient.check(response, "schedule-series");
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - started) / 1e9;
    return new Phase("$schedule-series at " + time, count * weeks, seconds, latency);
  }

  /** Three more busy blocks a week for every group's people and room, mornings of its day. */
  private Phase fill(Practice practice, int weeks) throws Exception {
    Histogram latency = new Histogram(3_600_000_000L, 3);
    long started = System.nanoTime();
    int slots = 0;
    for (int g = 0; g < practice.groups().size(); g++) {
      ObjectNode schedule =
          JSON.createObjectNode().put("resourceType", "Schedule").put("active", true);
      ArrayNode actors = schedule.putArray("actor");
      practice.facilitators().get(g).forEach(f -> actors.addObject().put("reference", f));
      actors.addObject().put("reference", practice.rooms().get(g / ROOMS_PER_DAY));
      practice.members().get(g).forEach(m -> actors.addObject().put("reference", m));
      String scheduleId = create("Schedule", schedule);
      List<ObjectNode> batch = new ArrayList<>();
      for (int w = 0; w < weeks; w++) {
        for (LocalTime at :
            List.of(LocalTime.of(9, 0), LocalTime.of(10, 30), LocalTime.of(12, 0))) {
          ZonedDateTime start = LocalDateTime.of(weekday(g).plusWeeks(w), at).atZone(ZONE);
          batch.add(slot(scheduleId, "individual-therapy", start, start.plusMinutes(90), null));
        }
      }
      long t = System.nanoTime();
      transact(batch);
      latency.recordValue((System.nanoTime() - t) / 1000);
      slots += batch.size();
    }
    return new Phase(
        "fill: busy blocks (each holds facilitators, room and members)",
        slots,
        (System.nanoTime() - started) / 1e9,
        latency);
  }

  private Histogram findSubstitutes(Practice practice, int calls) throws Exception {
    Histogram latency = new Histogram(3_600_000_000L, 3);
    Random random = new Random(7);
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < Math.min(calls, practice.groups().size()); i++) {
      String group = practice.groups().get(random.nextInt(practice.groups().size()));
      JsonNode found =
          JSON.readTree(
              get("Appointment?supporting-info=" + group + "&_count=5&_elements=id").body());
      for (JsonNode entry : found.path("entry")) {
        sessions.add("Appointment/" + entry.path("resource").path("id").asText());
      }
    }
    Collections.shuffle(sessions, random);
    for (int i = 0; i < 5 && i < sessions.size(); i++) {
      get(sessions.get(i) + "/$find-substitute");
    }
    for (int i = 0; i < calls; i++) {
      String session = sessions.get(i % sessions.size());
      long t = System.nanoTime();
      HttpResponse<String> response = get(session + "/$find-substitute");
      latency.recordValue((System.nanoTime() - t) / 1000);
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "find-substitute " + response.statusCode() + ": " + response.body());
      }
    }
    return latency;
  }

  /** {@code $find} latencies, and a plain search of the same sessions as the floor. */
  record Seats(Histogram any, Histogram forMember, Histogram plainSearch) {}

  /**
   * {@code Appointment/$find} over the first four weeks of the calendar (every group's sessions
   * there, with open seats), for anyone and for a member (their own bookings then exclude
   * sessions), against a plain search of the same booked sessions.
   */
  private Seats findSeats(Practice practice, int calls) throws Exception {
    String window =
        "start=" + FIRST_MONDAY + "T00:00:00Z&end=" + FIRST_MONDAY.plusDays(28) + "T00:00:00Z";
    String plain =
        "Appointment?status=booked&date=ge"
            + FIRST_MONDAY
            + "&date=lt"
            + FIRST_MONDAY.plusDays(28)
            + "&_count=1000";
    String member = practice.members().get(practice.members().size() / 2).get(0);
    Map<String, Histogram> figures = new LinkedHashMap<>();
    for (String query :
        List.of(
            "Appointment/$find?" + window,
            "Appointment/$find?" + window + "&patient-reference=" + member,
            plain)) {
      Histogram latency = new Histogram(3_600_000_000L, 3);
      for (int i = 0; i < 5; i++) {
        get(query);
      }
      for (int i = 0; i < calls; i++) {
        long t = System.nanoTime();
        HttpResponse<String> response = get(query);
        latency.recordValue((System.nanoTime() - t) / 1000);
        if (response.statusCode() != 200) {
          throw new IllegalStateException(
              query + " " + response.statusCode() + ": " + response.body());
        }
      }
      figures.put(query, latency);
    }
    List<Histogram> h = new ArrayList<>(figures.values());
    return new Seats(h.get(0), h.get(1), h.get(2));
  }

  // --- the floor: the same resources as plain transaction Bundles ----------------------------

  private Phase plainBundles(Practice practice, int weeks, LocalTime time) throws Exception {
    Histogram latency = new Histogram(3_600_000_000L, 3);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    long started = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    int count = 0;
    for (int g = 0; g < practice.groups().size(); g++) {
      if (practice.groups().get(g) == null) {
        continue; // another phase's group
      }
      count++;
      int group = g;
      futures.add(
          pool.submit(
              () -> {
                ObjectNode bundle =
                    JSON.createObjectNode()
                        .put("resourceType", "Bundle")
                        .put("type", "transaction");
                ArrayNode entries = bundle.putArray("entry");
                Map<String, String> schedules = new LinkedHashMap<>();
                for (String f : practice.facilitators().get(group)) {
                  String urn = "urn:uuid:" + UUID.randomUUID();
                  schedules.put(f, urn);
                  ObjectNode schedule =
                      JSON.createObjectNode().put("resourceType", "Schedule").put("active", true);
                  schedule.putArray("actor").addObject().put("reference", f);
                  schedule
                      .putArray("identifier")
                      .addObject()
                      .put("system", "http://grouptherapy.example.org/identifiers/calendar")
                      .put("value", f);
                  entries
                      .addObject()
                      .put("fullUrl", urn)
                      .<ObjectNode>set("resource", schedule)
                      .putObject("request")
                      .put("method", "POST")
                      .put("url", "Schedule")
                      .put(
                          "ifNoneExist",
                          "identifier=http://grouptherapy.example.org/identifiers/calendar|" + f);
                }
                String series = UUID.randomUUID().toString();
                for (int w = 0; w < weeks; w++) {
                  ZonedDateTime start =
                      LocalDateTime.of(weekday(group).plusWeeks(w), time).atZone(ZONE);
                  ZonedDateTime end = start.plusMinutes(90);
                  String urn = "urn:uuid:" + UUID.randomUUID();
                  entries
                      .addObject()
                      .put("fullUrl", urn)
                      .<ObjectNode>set(
                          "resource", appointment(practice, group, start, end, series, w + 1))
                      .putObject("request")
                      .put("method", "POST")
                      .put("url", "Appointment");
                  for (String f : practice.facilitators().get(group)) {
                    entries
                        .addObject()
                        .<ObjectNode>set(
                            "resource",
                            slot(schedules.get(f), "prep", start.minusMinutes(15), start, urn))
                        .putObject("request")
                        .put("method", "POST")
                        .put("url", "Slot");
                    entries
                        .addObject()
                        .<ObjectNode>set(
                            "resource",
                            slot(schedules.get(f), "documentation", end, end.plusMinutes(20), urn))
                        .putObject("request")
                        .put("method", "POST")
                        .put("url", "Slot");
                  }
                }
                long t = System.nanoTime();
                HttpResponse<String> response = post("", bundle);
                synchronized (latency) {
                  latency.recordValue((System.nanoTime() - t) / 1000);
                }
                if (response.statusCode() != 200) {
                  throw new IllegalStateException(
                      "transaction "
                          + response.statusCode()
                          + ": "
                          + response.body().substring(0, Math.min(400, response.body().length())));
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    return new Phase(
        "plain transaction Bundles, no checks",
        count * weeks,
        (System.nanoTime() - started) / 1e9,
        latency);
  }

  private ObjectNode appointment(
      Practice practice,
      int group,
      ZonedDateTime start,
      ZonedDateTime end,
      String series,
      int number) {
    ObjectNode a =
        JSON.createObjectNode()
            .put("resourceType", "Appointment")
            .put("status", "booked")
            .put("start", start.toOffsetDateTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
            .put("end", end.toOffsetDateTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
            .put("minutesDuration", 90)
            .put("description", "Bench group " + group + ", session " + number);
    a.putArray("identifier")
        .addObject()
        .put("system", "http://grouptherapy.example.org/identifiers/series")
        .put("value", series);
    a.putArray("extension")
        .addObject()
        .put("url", SD + "session-number")
        .put("valuePositiveInt", number);
    a.putObject("meta").putArray("profile").add(SD + "group-session");
    a.putArray("serviceType")
        .addObject()
        .putArray("coding")
        .addObject()
        .put("system", "http://grouptherapy.example.org/fhir/CodeSystem/group-modality")
        .put("code", "process");
    a.putArray("supportingInformation").addObject().put("reference", practice.groups().get(group));
    ArrayNode participants = a.putArray("participant");
    List<String> facilitators = practice.facilitators().get(group);
    for (int i = 0; i < facilitators.size(); i++) {
      participant(
          participants,
          facilitators.get(i),
          i == 0 ? "PPRF" : "SPRF",
          i == 0 ? "primary performer" : "secondary performer");
    }
    participant(participants, practice.rooms().get(group / ROOMS_PER_DAY), null, null);
    for (String member : practice.members().get(group)) {
      participant(participants, member, "SBJ", "subject");
    }
    return a;
  }

  /** A participant as $schedule-series writes it, so that both servers store the same content. */
  private static void participant(
      ArrayNode participants, String actor, String type, String display) {
    ObjectNode p = participants.addObject();
    if (type != null) {
      p.putArray("type")
          .addObject()
          .putArray("coding")
          .addObject()
          .put("system", "http://terminology.hl7.org/CodeSystem/v3-ParticipationType")
          .put("code", type)
          .put("display", display);
    }
    p.putObject("actor").put("reference", actor);
    p.put("required", "required").put("status", "accepted");
  }

  private static ObjectNode slot(
      String schedule, String type, ZonedDateTime start, ZonedDateTime end, String blockFor) {
    ObjectNode slot =
        JSON.createObjectNode()
            .put("resourceType", "Slot")
            .put("status", "busy")
            .put("start", start.toOffsetDateTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
            .put("end", end.toOffsetDateTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    slot.putObject("meta").putArray("profile").add(SD + "calendar-block");
    slot.putObject("schedule").put("reference", schedule);
    slot.putArray("serviceType")
        .addObject()
        .putArray("coding")
        .addObject()
        .put("system", BLOCK_TYPES)
        .put("code", type)
        .put(
            "display",
            Map.of(
                    "prep", "Session preparation",
                    "documentation", "Documentation",
                    "individual-therapy", "Individual therapy")
                .get(type));
    if (blockFor != null) {
      slot.putArray("extension")
          .addObject()
          .put("url", SD + "block-for")
          .putObject("valueReference")
          .put("reference", blockFor);
      slot.put(
          "comment",
          (type.equals("prep") ? "Session preparation" : "Documentation")
              + ": bench group session");
    }
    return slot;
  }

  // --- HTTP ---------------------------------------------------------------------------------

  private String create(String type, ObjectNode resource) throws Exception {
    return fhir.create(type, resource);
  }

  private List<String> transact(List<ObjectNode> resources) throws Exception {
    return fhir.transact(resources);
  }

  private HttpResponse<String> post(String path, JsonNode body) throws Exception {
    return fhir.post(path, body);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return fhir.get(path);
  }

  // --- report -------------------------------------------------------------------------------

  private static String report(
      int groups,
      int weeks,
      Phase empty,
      Phase fill,
      Phase fuller,
      Phase plain,
      Histogram substitutes,
      Seats seats) {
    StringBuilder md = new StringBuilder();
    md.append("\n## Scheduling, ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append("\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "%d groups × %d weekly sessions (%d sessions), each with prep and documentation blocks"
                    + " for its 1–2 facilitators, 8 members and a room; 2 concurrent clients; security off"
                    + " on both servers (its cost is measured above).%n%n",
                groups,
                weeks,
                groups * weeks));
    md.append("| phase | sessions | wall s | ms/session | p50 ms/request | p95 ms/request |\n");
    md.append("|---|---:|---:|---:|---:|---:|\n");
    for (Phase phase : List.of(empty, fill, fuller, plain)) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f | %.2f | %.0f | %.0f |%n",
              phase.name(),
              phase.sessions(),
              phase.seconds(),
              phase.msPerSession(),
              phase.latency().getValueAtPercentile(50) / 1000.0,
              phase.latency().getValueAtPercentile(95) / 1000.0));
    }
    double fullerRatio = fuller.msPerSession() / empty.msPerSession();
    double plainRatio = empty.msPerSession() / plain.msPerSession();
    md.append(
        String.format(
            Locale.ROOT,
            "%n- Calendar 4× fuller: per-session cost %.2f× the empty calendar's (target ≤ 1.5×): %s.%n",
            fullerRatio,
            fullerRatio <= 1.5 ? "met" : "NOT met"));
    md.append(
        String.format(
            Locale.ROOT,
            "- `$schedule-series` (ledger checks, blocks, notifications) vs plain transaction"
                + " Bundles on plain HAPI: %.2f× per session (target ≤ 2×): %s.%n",
            plainRatio,
            plainRatio <= 2.0 ? "met" : "NOT met"));
    md.append(
        String.format(
            Locale.ROOT,
            "- `$find-substitute` over %d practitioners: p50 %.0f ms, p95 %.0f ms, max %.0f ms (%d calls).%n",
            PRACTITIONERS,
            substitutes.getValueAtPercentile(50) / 1000.0,
            substitutes.getValueAtPercentile(95) / 1000.0,
            substitutes.getMaxValue() / 1000.0,
            substitutes.getTotalCount()));
    md.append(
        String.format(
            Locale.ROOT,
            "- `Appointment/$find` over four weeks (%d groups' sessions): p50 %.0f ms, p95 %.0f ms;"
                + " for a member: p50 %.0f ms, p95 %.0f ms; a plain search of the same booked"
                + " sessions: p50 %.0f ms, p95 %.0f ms (p95 ratio %.2f×; %d calls each).%n",
            groups,
            seats.any().getValueAtPercentile(50) / 1000.0,
            seats.any().getValueAtPercentile(95) / 1000.0,
            seats.forMember().getValueAtPercentile(50) / 1000.0,
            seats.forMember().getValueAtPercentile(95) / 1000.0,
            seats.plainSearch().getValueAtPercentile(50) / 1000.0,
            seats.plainSearch().getValueAtPercentile(95) / 1000.0,
            (double) seats.forMember().getValueAtPercentile(95)
                / seats.plainSearch().getValueAtPercentile(95),
            seats.any().getTotalCount()));
    return md.toString();
  }
}
