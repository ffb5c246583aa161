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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Billing at practice scale: {@code $reconcile-attendance} over one month of a 200-group practice
 * (4 weekly sessions of 8 members: 800 sessions, 6,400 attendances, each with a signed note,
 * coverage and a diagnosis) from scratch and again when nothing changed; the same for a practice
 * twice the size (another month, 400 groups); and the claims the first run created written again as
 * plain transaction Bundles without any checks (the floor). Attendance goes in through {@code
 * $record-attendance}. Appends a section to docs/benchmarks.md.
 *
 * <p>Arguments (optional): {@code --groups 200 --members 8 --weeks 4}.
 */
public final class BillingBenchmark {

  private static final String SD = "http://grouptherapy.example.org/fhir/StructureDefinition/";
  private static final String CS = "http://grouptherapy.example.org/fhir/CodeSystem/";
  private static final String PAYER_ID = "http://grouptherapy.example.org/identifiers/payer-id";

  private final BenchClient fhir;
  private String organization;
  private final List<String> payers = new ArrayList<>();

  private BillingBenchmark(String base) {
    this.fhir = new BenchClient(base);
  }

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    Path jar = options.jar();
    int groups = options.integer("groups", 200);
    int members = options.integer("members", 8);
    int weeks = options.integer("weeks", 4);

    String report;
    ServerProcess server =
        ServerProcess.start(
            jar,
            "billing",
            List.of(
                "--app.security.enabled=false", "--logging.level.org.grouptherapy.billing=DEBUG"));
    try {
      BillingBenchmark bench = new BillingBenchmark(server.fhirBase());
      bench.practice();
      // Month one: the practice; month two (five weeks later): a practice twice its size.
      LocalDate firstMonday =
          LocalDate.now(ZoneOffset.UTC).minusWeeks(14).with(java.time.DayOfWeek.MONDAY);
      LocalDate secondMonday = firstMonday.plusWeeks(weeks + 1);
      if (options.integer("package-only", 0) == 1) {
        // A quick look at the package alone: month one, reconciled once, then its 837P.
        int sessions = bench.month(groups, members, weeks, firstMonday);
        LocalDate end = firstMonday.plusWeeks(weeks).minusDays(1);
        System.out.println("reconciled: " + bench.reconcile(firstMonday, end) + ", " + sessions);
        double[] x12 = bench.packages(firstMonday, end);
        System.out.printf(
            Locale.ROOT, "837P of the month: %.1f s; as a FHIR Bundle: %.1f s%n", x12[0], x12[1]);
        System.out.println("server log: " + server.log());
        return;
      }
      long t0 = System.nanoTime();
      int sessionsOne = bench.month(groups, members, weeks, firstMonday);
      int sessionsTwo = bench.month(2 * groups, members, weeks, secondMonday);
      System.out.printf(
          Locale.ROOT,
          "loaded %d + %d sessions in %.0f s%n",
          sessionsOne,
          sessionsTwo,
          (System.nanoTime() - t0) / 1e9);
      LocalDate endOne = firstMonday.plusWeeks(weeks).minusDays(1);
      LocalDate endTwo = secondMonday.plusWeeks(weeks).minusDays(1);

      Run scratch = bench.reconcile(firstMonday, endOne);
      System.out.println("from scratch: " + scratch);
      Run again = bench.reconcile(firstMonday, endOne);
      System.out.println("again: " + again);
      Run doubled = bench.reconcile(secondMonday, endTwo);
      System.out.println("twice the practice: " + doubled);
      Run doubledAgain = bench.reconcile(secondMonday, endTwo);
      System.out.println("twice the practice, again: " + doubledAgain);
      double[] x12 = bench.packages(firstMonday, endOne);
      System.out.printf(
          Locale.ROOT, "837P of the month: %.1f s; as a FHIR Bundle: %.1f s%n", x12[0], x12[1]);
      double plain = bench.plainClaims(firstMonday, endOne);
      System.out.printf(Locale.ROOT, "plain Bundles of the same claims: %.1f s%n", plain);
      report =
          report(groups, members, weeks, sessionsOne, scratch, again, doubled, doubledAgain, plain)
              + String.format(
                  Locale.ROOT,
                  "- The month's claims (%d) as an 837P, read, checked against the guide's rules"
                      + " and written: %.1f s (target ≤ 10 s): %s; the same package as a FHIR"
                      + " Bundle: %.1f s.%n",
                  scratch.created(),
                  x12[0],
                  x12[0] <= 10 ? "met" : "NOT met",
                  x12[1]);
    } finally {
      server.close();
      server.deleteData();
    }
    options.publish(report);
  }

  record Run(double seconds, int sessions, int created, int issues) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%.1f s, %d sessions, %d claims created, %d issues",
          seconds,
          sessions,
          created,
          issues);
    }
  }

  // --- the practice ------------------------------------------------------------------------

  private void practice() throws Exception {
    // What a clearinghouse needs of the billing provider (the 837P checks refuse a file without).
    ObjectNode practice = JSON.createObjectNode().put("name", "Bench");
    ArrayNode ids = practice.putArray("identifier");
    ids.addObject().put("system", "http://hl7.org/fhir/sid/us-npi").put("value", "1234567893");
    ids.addObject().put("system", "urn:oid:2.16.840.1.113883.4.4").put("value", "043812345");
    practice.putArray("telecom").addObject().put("system", "phone").put("value", "617-555-0142");
    ObjectNode address = practice.putArray("address").addObject();
    address.putArray("line").add("12 River St");
    address.put("city", "Boston").put("state", "MA").put("postalCode", "02110-1204");
    organization = fhir.create("Organization", practice);
    for (String id : List.of("HRB01", "MCD25", "BVM77")) {
      ObjectNode payer = JSON.createObjectNode().put("name", "Payer " + id);
      payer.putArray("identifier").addObject().put("system", PAYER_ID).put("value", id);
      payers.add(fhir.create("Organization", payer));
    }
  }

  /**
   * Groups with one facilitator and members (coverage, a diagnosis, consents), weekly sessions in
   * the weeks from a Monday, attendance recorded for each, a signed note per attending member.
   *
   * @return sessions
   */
  private int month(int groups, int members, int weeks, LocalDate monday) throws Exception {
    List<String> sessions = new ArrayList<>();
    List<List<String>> sessionMembers = new ArrayList<>();
    List<String> sessionFacilitators = new ArrayList<>();
    for (int start = 0; start < groups; start += 10) {
      int n = Math.min(10, groups - start);
      List<ObjectNode> people = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ObjectNode p =
            JSON.createObjectNode().put("resourceType", "Practitioner").put("active", true);
        p.putArray("name").addObject().put("family", "Facilitator" + (start + i));
        p.putArray("identifier")
            .addObject()
            .put("system", "http://hl7.org/fhir/sid/us-npi")
            .put("value", "1987654321");
        people.add(p);
      }
      List<String> facilitators = fhir.transact(people);
      List<ObjectNode> batch = new ArrayList<>();
      for (String facilitator : facilitators) {
        ObjectNode role =
            JSON.createObjectNode().put("resourceType", "PractitionerRole").put("active", true);
        role.putObject("practitioner").put("reference", facilitator);
        role.putObject("organization").put("reference", organization);
        batch.add(role);
      }
      fhir.transact(batch);
      batch.clear();
      for (int i = 0; i < n * members; i++) {
        ObjectNode patient = JSON.createObjectNode().put("resourceType", "Patient");
        ObjectNode name = patient.putArray("name").addObject().put("family", "Member" + i);
        name.putArray("given").add("Bench");
        patient.put("birthDate", "1985-06-15").put("gender", "female");
        ObjectNode home = patient.putArray("address").addObject();
        home.putArray("line").add(i + " Elm St");
        home.put("city", "Boston").put("state", "MA").put("postalCode", "02115");
        batch.add(patient);
      }
      List<String> patients = fhir.transact(batch);
      batch.clear();
      for (int i = 0; i < patients.size(); i++) {
        String patient = patients.get(i);
        ObjectNode coverage =
            JSON.createObjectNode().put("resourceType", "Coverage").put("status", "active");
        coverage.putObject("beneficiary").put("reference", patient);
        coverage.put("subscriberId", "M" + i);
        coverage.putArray("payor").addObject().put("reference", payers.get(i % payers.size()));
        batch.add(coverage);
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
            .put("code", "F33.1");
        condition.putObject("subject").put("reference", patient);
        batch.add(condition);
        for (String kind : List.of("group-treatment", "group-confidentiality")) {
          batch.add(BenchClient.consent(patient, kind));
        }
      }
      fhir.transact(batch);
      batch.clear();
      for (int i = 0; i < n; i++) {
        batch.add(
            BenchClient.therapyGroup(
                "Bench group " + (start + i),
                organization,
                facilitators.get(i),
                "process",
                4,
                10,
                patients.subList(i * members, (i + 1) * members)));
      }
      List<String> groupIds = fhir.transact(batch);
      batch.clear();
      for (int i = 0; i < n; i++) {
        for (int w = 0; w < weeks; w++) {
          ZonedDateTime at =
              monday
                  .plusDays((start + i) % 5)
                  .plusWeeks(w)
                  .atTime(9 + (start + i) / 5 % 9, 0)
                  .atZone(ZoneOffset.UTC);
          batch.add(
              session(
                  groupIds.get(i),
                  facilitators.get(i),
                  patients.subList(i * members, (i + 1) * members),
                  at));
          sessionMembers.add(patients.subList(i * members, (i + 1) * members));
          sessionFacilitators.add(facilitators.get(i));
        }
      }
      sessions.addAll(fhir.transact(batch));
    }
    recordAttendanceAndNotes(sessions, sessionMembers, sessionFacilitators);
    return sessions.size();
  }

  private void recordAttendanceAndNotes(
      List<String> sessions, List<List<String>> members, List<String> facilitators)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<?>> done = new ArrayList<>();
    for (int s = 0; s < sessions.size(); s++) {
      int index = s;
      done.add(
          pool.submit(
              () -> {
                ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
                ArrayNode list = parameters.putArray("parameter");
                for (String member : members.get(index)) {
                  ArrayNode part = list.addObject().put("name", "attendance").putArray("part");
                  part.addObject()
                      .put("name", "patient")
                      .putObject("valueReference")
                      .put("reference", member);
                  part.addObject().put("name", "status").put("valueCode", "attended");
                }
                HttpResponse<String> response =
                    fhir.post(sessions.get(index) + "/$record-attendance", parameters);
                BenchClient.check(response, "$record-attendance");
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    // Notes: the subject is read back from each Encounter in bulk, 8 sessions' worth at a time.
    List<ObjectNode> batch = new ArrayList<>();
    for (int s = 0; s < sessions.size(); s++) {
      HttpResponse<String> found =
          fhir.get("Encounter?appointment=" + sessions.get(s) + "&_count=50&_elements=subject");
      BenchClient.check(found, "Encounter search");
      for (JsonNode entry : JSON.readTree(found.body()).path("entry")) {
        JsonNode encounter = entry.path("resource");
        ObjectNode note = note("Encounter/" + encounter.path("id").asText(), facilitators.get(s));
        note.putObject("subject")
            .put("reference", encounter.path("subject").path("reference").asText());
        batch.add(note);
      }
      if (batch.size() >= 400 || s == sessions.size() - 1) {
        fhir.transact(batch);
        batch.clear();
      }
    }
  }

  private static ObjectNode note(String encounter, String author) {
    ObjectNode note =
        JSON.createObjectNode()
            .put("resourceType", "DocumentReference")
            .put("status", "current")
            .put("docStatus", "final");
    note.putObject("type")
        .putArray("coding")
        .addObject()
        .put("system", "http://loinc.org")
        .put("code", "11506-3");
    note.putArray("author").addObject().put("reference", author);
    note.putObject("authenticator").put("reference", author);
    note.putObject("context").putArray("encounter").addObject().put("reference", encounter);
    note.putArray("content")
        .addObject()
        .putObject("attachment")
        .put("contentType", "text/plain")
        .put("data", "UGFydGljaXBhdGVkLg==");
    return note;
  }

  private static ObjectNode session(
      String group, String facilitator, List<String> members, ZonedDateTime start) {
    ObjectNode session =
        JSON.createObjectNode()
            .put("resourceType", "Appointment")
            .put("status", "fulfilled")
            .put("start", start.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
            .put("end", start.plusMinutes(90).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    session.putArray("supportingInformation").addObject().put("reference", group);
    ArrayNode participants = session.putArray("participant");
    participants
        .addObject()
        .put("status", "accepted")
        .putObject("actor")
        .put("reference", facilitator);
    members.forEach(
        m ->
            participants
                .addObject()
                .put("status", "accepted")
                .putObject("actor")
                .put("reference", m));
    return session;
  }

  // --- the measured calls ------------------------------------------------------------------

  private Run reconcile(LocalDate start, LocalDate end) throws Exception {
    ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
    ArrayNode list = parameters.putArray("parameter");
    list.addObject().put("name", "start").put("valueDate", start.toString());
    list.addObject().put("name", "end").put("valueDate", end.toString());
    long started = System.nanoTime();
    HttpResponse<String> response = fhir.post("Appointment/$reconcile-attendance", parameters);
    double seconds = (System.nanoTime() - started) / 1e9;
    BenchClient.check(response, "$reconcile-attendance");
    JsonNode body = JSON.readTree(response.body());
    int sessions = 0;
    int created = 0;
    int issues = 0;
    for (JsonNode p : body.path("parameter")) {
      switch (p.path("name").asText()) {
        case "sessions" -> sessions = p.path("valueInteger").asInt();
        case "created" -> created = p.path("valueInteger").asInt();
        case "outcome" -> issues = p.path("resource").path("issue").size();
        default -> {}
      }
    }
    return new Run(seconds, sessions, created, issues);
  }

  /**
   * The floor: the claims reconcile created for the month, read back and written again as plain
   * transaction Bundles of 100 (no profile, no identifier, no checks), timed.
   */
  private double plainClaims(LocalDate start, LocalDate end) throws Exception {
    List<ObjectNode> claims = new ArrayList<>();
    String next = "Claim?_count=1000";
    while (next != null) {
      HttpResponse<String> page = fhir.get(next);
      BenchClient.check(page, "Claim search");
      JsonNode bundle = JSON.readTree(page.body());
      for (JsonNode entry : bundle.path("entry")) {
        ObjectNode claim = (ObjectNode) entry.path("resource");
        String served = claim.path("billablePeriod").path("start").asText();
        if (served.compareTo(start.toString()) >= 0
            && served.compareTo(end.plusDays(1).toString()) < 0) {
          claim.remove("id");
          claim.remove("meta");
          claim.remove("identifier");
          claims.add(claim);
        }
      }
      next = null;
      for (JsonNode link : bundle.path("link")) {
        if ("next".equals(link.path("relation").asText())) {
          String url = link.path("url").asText();
          next = url.substring(url.indexOf("/fhir") + 5).replaceFirst("^/", "");
        }
      }
    }
    long started = System.nanoTime();
    for (int i = 0; i < claims.size(); i += 100) {
      // Without checks: the header lets the copies past ClaimGuard (one claim per member-session).
      fhir.transact(
          claims.subList(i, Math.min(claims.size(), i + 100)),
          java.util.Map.of("X-Billing-Override-Reason", "benchmark floor: the same claims again"));
    }
    return (System.nanoTime() - started) / 1e9;
  }

  // --- report ------------------------------------------------------------------------------

  /** Seconds for the month's package as an 837P, then as a FHIR Bundle (after a warm-up). */
  private double[] packages(LocalDate start, LocalDate end) throws Exception {
    String query = "Claim/$billing-package?start=" + start + "&end=" + end;
    fhir.get(query + "&format=x12"); // warm-up
    long t = System.nanoTime();
    HttpResponse<String> x12 = fhir.get(query + "&format=x12");
    double x12Seconds = (System.nanoTime() - t) / 1e9;
    if (x12.statusCode() != 200) {
      throw new IllegalStateException("837P " + x12.statusCode() + ": " + x12.body());
    }
    t = System.nanoTime();
    HttpResponse<String> bundle = fhir.get(query);
    double bundleSeconds = (System.nanoTime() - t) / 1e9;
    if (bundle.statusCode() != 200) {
      throw new IllegalStateException("package " + bundle.statusCode());
    }
    return new double[] {x12Seconds, bundleSeconds};
  }

  private static String report(
      int groups,
      int members,
      int weeks,
      int sessions,
      Run scratch,
      Run again,
      Run doubled,
      Run doubledAgain,
      double plain) {
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "%n## Billing (%s)%n%n", LocalDate.now()));
    md.append(
        String.format(
            Locale.ROOT,
            "A month of a %d-group practice: %d sessions, %d attendances (each with a signed note,"
                + " coverage, a diagnosis); `$reconcile-attendance` over the month.%n%n",
            groups,
            sessions,
            sessions * members));
    md.append("| run | time | sessions | claims created | issues |\n|---|---|---|---|---|\n");
    for (Object[] row :
        new Object[][] {
          {"from scratch", scratch}, {"again, nothing changed", again},
          {"twice the practice, from scratch", doubled}, {"twice the practice, again", doubledAgain}
        }) {
      Run run = (Run) row[1];
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f s | %d | %d | %d |%n",
              row[0],
              run.seconds(),
              run.sessions(),
              run.created(),
              run.issues()));
    }
    double growth = doubled.seconds() / scratch.seconds();
    double floor = scratch.seconds() / plain;
    md.append(
        String.format(
            Locale.ROOT,
            "%n- Twice the practice: %.2f× the time (target ≤ 2.2×): %s.%n",
            growth,
            growth <= 2.2 ? "met" : "NOT met"));
    md.append(
        String.format(
            Locale.ROOT,
            "- From scratch vs the same %d claims as plain transaction Bundles of 100 without checks"
                + " (%.1f s): %.2f× (target ≤ 2×): %s.%n",
            scratch.created(),
            plain,
            floor,
            floor <= 2.0 ? "met" : "NOT met"));
    md.append(
        String.format(
            Locale.ROOT,
            "- A second run with nothing changed: %.1f s (%.2f× the first), creating nothing.%n",
            again.seconds(),
            again.seconds() / scratch.seconds()));
    return md.toString();
  }
}
