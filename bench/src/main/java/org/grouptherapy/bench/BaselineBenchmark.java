package org.grouptherapy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * This server against an independent, default-configured HAPI FHIR JPA server (the {@code
 * hapi-baseline} module: HAPI's documented set-up, no project code) on the same embedded PostgreSQL
 * build and settings, security on for ours (a system token, every request audited). Latency: every
 * request goes to both, one right after the other from the same client thread (which first
 * alternates), in blocks, so both see the same moments of a noisy machine. Throughput at
 * saturation: closed loop, each server alone in turn, alternating. Writes the table to
 * docs/benchmarks.md.
 *
 * <p>Arguments (all optional): {@code --patients N --blocks N --chunk N --clients N}.
 */
public final class BaselineBenchmark {

  private BaselineBenchmark() {}

  enum Kind {
    CREATE("create Patient"),
    CONDITIONAL_CREATE("conditional create (If-None-Exist, match)"),
    READ("read Patient"),
    SEARCH_NAME("search family & birthdate"),
    SEARCH_IDENTIFIER("search identifier"),
    SEARCH_INCLUDE("search with _include"),
    TRANSACTION("transaction of 10 creates"),
    FIRST_PAGE("first page, _count=50"),
    NEXT_PAGE("next link, _count=50"),
    EVERYTHING("Patient/$everything"),
    HISTORY("Patient/_history of one"),
    CALENDAR("a practitioner's week: $calendar (HAPI: the same Appointments and Slots, one batch)");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  record Block(Histogram hapi, Histogram ours) {
    double ratio() {
      return p50(ours) / p50(hapi);
    }
  }

  /** One server: its client, the patients it holds (ids and identifiers) and a practitioner. */
  private static final class Side {
    final String name;
    final Workload workload;
    final String base;
    final List<String> ids = new ArrayList<>();
    final List<String> therapists = new ArrayList<>();
    String practitioner;

    Side(String name, String base, String token, int clients) {
      this.name = name;
      this.base = base;
      this.workload = new Workload(base, clients, token);
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
      return workload.send(request);
    }

    void seed(int patients) throws Exception {
      HttpResponse<String> created =
          send(
              post(
                  "Practitioner",
                  "{\"resourceType\":\"Practitioner\",\"name\":[{\"family\":\"Baseline\"}]}"));
      check(created, "seed Practitioner");
      practitioner = BenchClient.JSON.readTree(created.body()).path("id").asText();
      List<String> made = java.util.Collections.synchronizedList(new ArrayList<>());
      Workload.concurrently(
          4,
          patients,
          i -> {
            HttpResponse<String> response = send(patientCreate(i, "seed-" + i));
            check(response, "seed Patient");
            made.add(BenchClient.JSON.readTree(response.body()).path("id").asText());
            return true;
          });
      ids.addAll(made);
      java.util.Collections.sort(ids);
      seedCalendars();
    }

    /**
     * {@link #THERAPISTS} practitioners, each with {@link #WEEKS} weeks of a full calendar from
     * {@link #FIRST_MONDAY} (practice time): two individual appointments a weekday (the therapist,
     * a patient and the therapist's room) and two busy blocks on the therapist's Schedule
     * (supervision and documentation), written as one transaction per therapist. Same content on
     * both servers.
     */
    void seedCalendars() throws Exception {
      for (int t = 0; t < THERAPISTS; t++) {
        String therapist =
            created(
                "Practitioner",
                "{\"resourceType\":\"Practitioner\",\"name\":[{\"family\":\"Therapist"
                    + t
                    + "\"}]}");
        String room =
            created("Location", "{\"resourceType\":\"Location\",\"name\":\"Room " + t + "\"}");
        therapists.add(therapist);
        check(send(post("", calendar(t, therapist, room))), "seed calendar");
      }
    }

    /** Creates a resource; its reference. */
    String created(String type, String json) throws Exception {
      HttpResponse<String> made = send(post(type, json));
      check(made, "seed " + type);
      return type + "/" + BenchClient.JSON.readTree(made.body()).path("id").asText();
    }

    /** One therapist's weeks as a transaction: a Schedule, its blocks and the appointments. */
    String calendar(int t, String therapist, String location) {
      StringBuilder entries = new StringBuilder();
      String schedule = "urn:uuid:" + java.util.UUID.randomUUID();
      entries.append(
          """
          {"fullUrl":"%s","resource":{"resourceType":"Schedule","active":true,
           "actor":[{"reference":"%s"}]},"request":{"method":"POST","url":"Schedule"}}"""
              .formatted(schedule, therapist));
      int n = 0;
      for (int day = 0; day < WEEKS * 7; day++) {
        java.time.LocalDate date = FIRST_MONDAY.plusDays(day);
        if (date.getDayOfWeek().getValue() > 5) {
          continue;
        }
        for (int hour : new int[] {10, 14}) {
          String patient = "Patient/" + ids.get((t * WEEKS * 10 + n++) % ids.size());
          entries.append(
              """
              ,{"resource":{"resourceType":"Appointment","status":"booked","start":"%s",
               "end":"%s","participant":[{"actor":{"reference":"%s"},"status":"accepted"},
               {"actor":{"reference":"%s"},"status":"accepted"},
               {"actor":{"reference":"%s"},"status":"accepted"}]},
               "request":{"method":"POST","url":"Appointment"}}"""
                  .formatted(at(date, hour, 0), at(date, hour, 50), therapist, patient, location));
        }
        for (String[] block :
            new String[][] {
              {"supervision", "Supervision", "9"}, {"documentation", "Documentation", "16"}
            }) {
          int hour = Integer.parseInt(block[2]);
          entries.append(
              """
              ,{"resource":{"resourceType":"Slot","status":"busy","start":"%s","end":"%s",
               "meta":{"profile":["%s"]},"schedule":{"reference":"%s"},
               "serviceType":[{"coding":[{"system":"%s","code":"%s","display":"%s"}]}]},
               "request":{"method":"POST","url":"Slot"}}"""
                  .formatted(
                      at(date, hour, 0),
                      at(date, hour, 45),
                      CALENDAR_BLOCK,
                      schedule,
                      BLOCK_TYPES,
                      block[0],
                      block[1]));
        }
      }
      return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + entries + "]}";
    }

    /**
     * Request {@code i}'s calendar week: this server's {@code $calendar}; for plain HAPI the reads
     * a client would make to draw the same week (the therapist's Appointments with their rooms, and
     * the Slots of the therapist's Schedules), in one batch.
     */
    HttpRequest calendarRequest(int i) {
      String therapist = therapists.get(i % therapists.size());
      java.time.LocalDate monday = FIRST_MONDAY.plusWeeks((i / therapists.size()) % WEEKS);
      if (this.name.equals("this server")) {
        return get(therapist + "/$calendar?start=" + monday + "&end=" + monday.plusDays(6));
      }
      String from = URLEncoder.encode(at(monday, 0, 0), UTF8);
      String to = URLEncoder.encode(at(monday.plusDays(7), 0, 0), UTF8);
      return post(
          "",
          """
          {"resourceType":"Bundle","type":"batch","entry":[
           {"request":{"method":"GET","url":"Appointment?actor=%s&date=ge%s&date=lt%s&_include=Appointment:location&_count=100"}},
           {"request":{"method":"GET","url":"Slot?schedule.actor=%s&start=ge%s&start=lt%s&_count=100"}}]}"""
              .formatted(therapist, from, to, therapist, from, to));
    }

    HttpRequest patientCreate(int i, String identifier) {
      return post("Patient", patient(i, identifier));
    }

    String patient(int i, String identifier) {
      return """
          {"resourceType":"Patient","identifier":[{"system":"urn:bench","value":"%s"}],
           "name":[{"family":"%s","given":["Bench%d"]}],"gender":"%s","birthDate":"19%d-0%d-1%d",
           "generalPractitioner":[{"reference":"Practitioner/%s"}]}
          """
          .formatted(
              identifier,
              Workload.FAMILIES[i % Workload.FAMILIES.length],
              i,
              i % 2 == 0 ? "female" : "male",
              50 + i % 50,
              1 + i % 9,
              i % 9,
              practitioner);
    }

    HttpRequest post(String path, String json) {
      return HttpRequest.newBuilder(URI.create(base + "/" + path))
          .header("Content-Type", "application/fhir+json")
          .header("Prefer", "return=representation")
          .POST(HttpRequest.BodyPublishers.ofString(json))
          .build();
    }

    HttpRequest get(String path) {
      return HttpRequest.newBuilder(URI.create(base + "/" + path)).GET().build();
    }

    String family(int i) {
      return Workload.FAMILIES[i % Workload.FAMILIES.length];
    }

    /** The request {@code i} of a kind; a next link is fetched (untimed) from a first page. */
    HttpRequest request(Kind kind, int i) throws Exception {
      String id = ids.get((i * 7919) % ids.size());
      int seed = (i * 7919) % ids.size();
      return switch (kind) {
        case CREATE -> patientCreate(i, "c-" + i + "-" + System.nanoTime());
        case CONDITIONAL_CREATE ->
            HttpRequest.newBuilder(post("Patient", patient(i, "seed-" + i)), (h, v) -> true)
                .header("If-None-Exist", "identifier=urn:bench%7Cseed-" + (i % ids.size()))
                .build();
        case READ -> get("Patient/" + id);
        case SEARCH_NAME ->
            get(
                "Patient?family="
                    + family(i)
                    + "&birthdate=ge19"
                    + (50 + (i / Workload.FAMILIES.length) % 50)
                    + "&_count=20");
        case SEARCH_IDENTIFIER ->
            get("Patient?identifier=" + URLEncoder.encode("urn:bench|seed-" + seed, UTF8));
        case SEARCH_INCLUDE ->
            get(
                "Patient?family="
                    + family(i)
                    + "&birthdate=ge19"
                    + (50 + (i / Workload.FAMILIES.length) % 50)
                    + "&_include=Patient:general-practitioner&_count=20");
        case TRANSACTION -> post("", transaction(i));
        case FIRST_PAGE -> get("Patient?family=" + family(i) + "&_count=50");
        case NEXT_PAGE -> {
          HttpResponse<String> first = send(get("Patient?family=" + family(i) + "&_count=50"));
          check(first, "first page");
          String next = null;
          for (JsonNode link : BenchClient.JSON.readTree(first.body()).path("link")) {
            if ("next".equals(link.path("relation").asText())) {
              next = link.path("url").asText();
            }
          }
          if (next == null) {
            throw new IllegalStateException(name + ": a first page of 50 with no next link");
          }
          // Our server writes links with its public URL; ask the server under test.
          String query = next.substring(next.indexOf("/fhir") + "/fhir".length());
          yield HttpRequest.newBuilder(URI.create(base + query)).GET().build();
        }
        case EVERYTHING -> get("Patient/" + id + "/$everything");
        case HISTORY -> get("Patient/" + id + "/_history");
        case CALENDAR -> calendarRequest(i);
      };
    }

    String transaction(int i) {
      StringBuilder entries = new StringBuilder();
      for (int k = 0; k < 10; k++) {
        if (k > 0) {
          entries.append(',');
        }
        entries
            .append("{\"resource\":")
            .append(patient(i * 10 + k, "t-" + i + "-" + k + "-" + System.nanoTime()))
            .append(",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}");
      }
      return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + entries + "]}";
    }
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;
  private static final int THERAPISTS = 10;
  private static final int WEEKS = 4;
  private static final java.time.LocalDate FIRST_MONDAY = java.time.LocalDate.of(2031, 3, 3);
  private static final java.time.ZoneId PRACTICE_ZONE = java.time.ZoneId.of("America/New_York");
  private static final String CALENDAR_BLOCK =
      "http://grouptherapy.example.org/fhir/StructureDefinition/calendar-block";
  private static final String BLOCK_TYPES =
      "http://grouptherapy.example.org/fhir/CodeSystem/calendar-block-type";

  /** A practice-time instant, as FHIR writes it. */
  private static String at(java.time.LocalDate date, int hour, int minute) {
    return date.atTime(hour, minute)
        .atZone(PRACTICE_ZONE)
        .toOffsetDateTime()
        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
  }

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    int patients = options.integer("patients", 1000);
    int blocks = options.integer("blocks", 5);
    int chunk = options.integer("chunk", 200);
    int clients = options.integer("clients", 4);
    Path baselineJar = options.root().resolve("bench/hapi-baseline/target/hapi-baseline.jar");
    List<String> oursArgs = List.of("--app.security.demo-identities=true");
    Path data = Files.createTempDirectory("gt-bench-hapi");
    try (ServerProcess hapi =
            ServerProcess.plain(
                baselineJar, "hapi-baseline", List.of("--baseline.data-directory=" + data));
        ServerProcess ours = ServerProcess.start(options.jar(), "ours-vs-hapi", oursArgs)) {
      Side a = new Side("plain HAPI", hapi.fhirBase(), null, clients);
      Side b =
          new Side(
              "this server", ours.fhirBase(), FhirServerBenchmark.token(ours, oursArgs), clients);
      for (Side side : List.of(a, b)) {
        System.out.printf("%s: seeding %d patients and warming up …%n", side.name, patients);
        side.seed(patients);
        for (Kind kind : Kind.values()) {
          saturated(kind, Math.max(20, chunk / 4), clients, side); // warm-up
        }
      }
      Map<Kind, List<Block>> latency = new EnumMap<>(Kind.class);
      for (int block = 0; block < blocks; block++) {
        b.workload.token(FhirServerBenchmark.token(ours, oursArgs));
        for (Kind kind : Kind.values()) {
          int count = kind == Kind.READ ? chunk * 2 : chunk;
          latency
              .computeIfAbsent(kind, k -> new ArrayList<>())
              .add(interleaved(kind, count, clients, a, b));
        }
        System.out.printf("block %d of %d done%n", block + 1, blocks);
      }
      Map<Kind, double[]> throughput = new EnumMap<>(Kind.class);
      b.workload.token(FhirServerBenchmark.token(ours, oursArgs));
      for (Kind kind :
          List.of(Kind.CREATE, Kind.READ, Kind.SEARCH_NAME, Kind.TRANSACTION, Kind.NEXT_PAGE)) {
        double[] perSecond = new double[2];
        for (int round = 0; round < 2; round++) {
          perSecond[0] += saturated(kind, chunk * 2, clients, a) / 2;
          perSecond[1] += saturated(kind, chunk * 2, clients, b) / 2;
        }
        throughput.put(kind, perSecond);
      }
      options.publish(
          report(latency, throughput, patients, blocks, chunk, clients, ours.rssBytes()));
    }
  }

  private static Block interleaved(Kind kind, int count, int clients, Side a, Side b)
      throws Exception {
    Histogram hapi = new Histogram(60_000_000_000L, 3);
    Histogram ours = new Histogram(60_000_000_000L, 3);
    AtomicReference<String> failure = new AtomicReference<>();
    Workload.concurrently(
        clients,
        count,
        i -> {
          for (Side side : i % 2 == 0 ? List.of(a, b) : List.of(b, a)) {
            HttpRequest request = side.request(kind, i);
            long t0 = System.nanoTime();
            HttpResponse<String> response = side.send(request);
            long elapsed = System.nanoTime() - t0;
            if (response.statusCode() >= 300) {
              failure.compareAndSet(
                  null,
                  kind.label
                      + " on "
                      + side.name
                      + ": HTTP "
                      + response.statusCode()
                      + " "
                      + response.body());
            }
            Histogram histogram = side == a ? hapi : ours;
            synchronized (histogram) {
              histogram.recordValue(elapsed);
            }
          }
          return failure.get() == null;
        });
    if (failure.get() != null) {
      throw new IllegalStateException(
          "A request failed, so the comparison would be wrong: " + failure.get());
    }
    return new Block(hapi, ours);
  }

  /** Requests per second of one server alone, closed loop. */
  private static double saturated(Kind kind, int count, int clients, Side side) throws Exception {
    long started = System.nanoTime();
    Workload.concurrently(
        clients,
        count,
        i -> {
          check(side.send(side.request(kind, i)), side.name + " " + kind.label);
          return true;
        });
    return count / ((System.nanoTime() - started) / 1e9);
  }

  private static void check(HttpResponse<String> response, String what) {
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(
          what + ": HTTP " + response.statusCode() + " " + response.body());
    }
  }

  private static String report(
      Map<Kind, List<Block>> latency,
      Map<Kind, double[]> throughput,
      int patients,
      int blocks,
      int chunk,
      int clients,
      long oursRss) {
    StringBuilder md = new StringBuilder();
    md.append("\n## This server against plain HAPI (bench/run-baseline), ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append("\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "Plain HAPI: the `hapi-baseline` module (HAPI FHIR JPA 8.8.0 as documented, its"
                    + " default settings, no security). This server: security on (system token,"
                    + " every request audited). Same embedded PostgreSQL build and settings, %d"
                    + " patients each. %d blocks of %d requests per kind (reads twice as many),"
                    + " each request sent to both servers one right after the other from the same"
                    + " client (which first alternates), %d clients. Ratio = this server's time"
                    + " over HAPI's (below 1: faster than HAPI; the target is 0.83, 1.2x as"
                    + " fast). Throughput: closed loop, %d clients, each server alone in turn,"
                    + " two rounds. RSS of this server at the end: %d MB.%n%n",
                patients,
                blocks,
                chunk,
                clients,
                clients,
                oursRss / (1024 * 1024)))
        .append(
            "| request | p50 HAPI (ms) | p50 ours (ms) | p50 ours/HAPI | block ratios, median"
                + " (lowest–highest) | p95 ours/HAPI | p99 HAPI / ours (ms) | throughput HAPI /"
                + " ours (req/s) |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (var entry : latency.entrySet()) {
      Histogram hapi = new Histogram(60_000_000_000L, 3);
      Histogram ours = new Histogram(60_000_000_000L, 3);
      for (Block block : entry.getValue()) {
        hapi.add(block.hapi());
        ours.add(block.ours());
      }
      double[] ratios = entry.getValue().stream().mapToDouble(Block::ratio).sorted().toArray();
      double[] perSecond = throughput.get(entry.getKey());
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %.1f | %.2f | %.2f (%.2f–%.2f) | %.2f | %.0f / %.0f | %s |%n",
              entry.getKey().label,
              p50(hapi),
              p50(ours),
              p50(ours) / p50(hapi),
              ratios[ratios.length / 2],
              ratios[0],
              ratios[ratios.length - 1],
              ours.getValueAtPercentile(95) / (double) hapi.getValueAtPercentile(95),
              hapi.getValueAtPercentile(99) / 1e6,
              ours.getValueAtPercentile(99) / 1e6,
              perSecond == null
                  ? "–"
                  : String.format(
                      Locale.ROOT,
                      "%.0f / %.0f (%.2f)",
                      perSecond[0],
                      perSecond[1],
                      perSecond[1] / perSecond[0])));
    }
    return md.toString();
  }

  private static double p50(Histogram histogram) {
    return histogram.getValueAtPercentile(50) / 1e6;
  }
}
