package org.grouptherapy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Steady client traffic through the balancer, as a practice's EHR feed and VAs make it: each client
 * in a closed loop creates a Patient, reads it back and searches it by identifier. Every answer is
 * counted; a failure (anything but the expected 2xx, or no answer) is kept with its time, and every
 * create the server acknowledged (201) is remembered, so that nothing acknowledged can go missing
 * unnoticed.
 */
final class SteadyTraffic implements AutoCloseable {

  static final String SYSTEM = "urn:gt-bench:scale-out";

  record Failure(long atMillis, String request, String outcome) {}

  /** What one stretch of traffic did. */
  record Stretch(double seconds, long succeeded, List<Failure> failures, double p50, double p95) {
    double perSecond() {
      return succeeded / seconds;
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final AtomicBoolean running = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private final List<Failure> failures = new CopyOnWriteArrayList<>();
  private final AtomicLong succeeded = new AtomicLong();
  private final Recorder latencies = new Recorder(3);
  private final long origin = System.nanoTime();
  private volatile String token;
  private volatile long tokenAt;
  private volatile long stretchStarted;

  /**
   * @param base the balancer's base URL (without /fhir)
   */
  SteadyTraffic(String base) {
    this.base = base;
  }

  /** Starts {@code clients} closed-loop clients; a fresh token first. */
  void start(int clients) throws Exception {
    refreshToken();
    running.set(true);
    for (int i = 0; i < clients; i++) {
      Thread thread = new Thread(this::loop, "traffic-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    begin();
  }

  /** Starts counting a new stretch. */
  void begin() {
    failures.clear();
    succeeded.set(0);
    latencies.reset();
    stretchStarted = System.nanoTime();
  }

  /** What happened since {@link #begin()}. */
  Stretch end() {
    double seconds = (System.nanoTime() - stretchStarted) / 1e9;
    var histogram = latencies.getIntervalHistogram();
    return new Stretch(
        seconds,
        succeeded.get(),
        List.copyOf(failures),
        histogram.getValueAtPercentile(50) / 1e3,
        histogram.getValueAtPercentile(95) / 1e3);
  }

  Set<String> acknowledged() {
    return Set.copyOf(acknowledged);
  }

  long millisSinceStart() {
    return (System.nanoTime() - origin) / 1_000_000;
  }

  private void loop() {
    while (running.get()) {
      String value = UUID.randomUUID().toString();
      String id =
          call(
              "create Patient",
              post(
                  "Patient",
                  """
                  {"resourceType":"Patient","identifier":[{"system":"%s","value":"%s"}],
                   "name":[{"family":"Scale","given":["Outa"]}],"birthDate":"1990-01-01"}
                  """
                      .formatted(SYSTEM, value)),
              201);
      if (id == null) {
        continue;
      }
      acknowledged.add(id);
      call("read Patient", get("Patient/" + id), 200);
      call(
          "search Patient by identifier",
          get("Patient?identifier=" + URLEncoder.encode(SYSTEM + "|" + value, UTF8)),
          200);
    }
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  /** Sends, counts and times; returns the id a create answered with, or "" for other success. */
  private String call(String what, HttpRequest.Builder request, int expected) {
    refreshTokenWhenOld();
    long started = System.nanoTime();
    try {
      HttpResponse<String> response =
          http.send(
              request.header("Authorization", "Bearer " + token).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expected) {
        failures.add(
            new Failure(
                millisSinceStart(), what, response.statusCode() + " " + brief(response.body())));
        return null;
      }
      latencies.recordValue(Math.max(1, (System.nanoTime() - started) / 1000));
      succeeded.incrementAndGet();
      if (expected == 201) {
        String location = response.headers().firstValue("Location").orElse("");
        String[] parts = location.substring(location.indexOf("/fhir/") + 6).split("/");
        return parts[1];
      }
      return "";
    } catch (IOException e) {
      failures.add(new Failure(millisSinceStart(), what, "no answer: " + e));
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String brief(String body) {
    String flat = body.replaceAll("\\s+", " ");
    return flat.length() > 200 ? flat.substring(0, 200) + "…" : flat;
  }

  private HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create(base + "/fhir/" + path))
        .timeout(Duration.ofSeconds(60))
        .header("Accept", "application/fhir+json");
  }

  private HttpRequest.Builder post(String path, String json) {
    return HttpRequest.newBuilder(URI.create(base + "/fhir/" + path))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/fhir+json")
        .header("Prefer", "return=minimal")
        .POST(HttpRequest.BodyPublishers.ofString(json));
  }

  /** Tokens live 15 minutes: a new one every five, so none expires mid-run. */
  private void refreshTokenWhenOld() {
    if (System.nanoTime() - tokenAt > Duration.ofMinutes(5).toNanos()) {
      synchronized (this) {
        if (System.nanoTime() - tokenAt > Duration.ofMinutes(5).toNanos()) {
          try {
            refreshToken();
          } catch (Exception e) {
            tokenAt = System.nanoTime() - Duration.ofMinutes(4).toNanos(); // retry in a minute
          }
        }
      }
    }
  }

  private void refreshToken() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header(
                "Authorization",
                "Basic " + Base64.getEncoder().encodeToString("cli:cli-secret".getBytes(UTF8)))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "grant_type=client_credentials&scope=system/Patient.cruds"))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("token: " + response.statusCode() + " " + response.body());
    }
    token = BenchClient.JSON.readTree(response.body()).path("access_token").asText();
    tokenAt = System.nanoTime();
  }

  /** A fresh token and one search answered 200, or an exception saying what came instead. */
  void probe() throws Exception {
    refreshToken();
    HttpResponse<String> response =
        http.send(
            get("Patient?_count=1").header("Authorization", "Bearer " + token).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(response.statusCode() + " " + brief(response.body()));
    }
  }

  /**
   * Of these acknowledged creates, those the database no longer has: read through the balancer, a
   * hundred ids per search.
   */
  List<String> missing(Set<String> ids) throws Exception {
    refreshToken();
    List<String> all = new ArrayList<>(ids);
    Set<String> found = new java.util.HashSet<>();
    for (int i = 0; i < all.size(); i += 100) {
      List<String> chunk = all.subList(i, Math.min(all.size(), i + 100));
      HttpResponse<String> response =
          http.send(
              get("Patient?_id=" + String.join(",", chunk) + "&_count=100&_elements=id")
                  .header("Authorization", "Bearer " + token)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "reading back: " + response.statusCode() + " " + response.body());
      }
      for (JsonNode entry : BenchClient.JSON.readTree(response.body()).path("entry")) {
        found.add(entry.path("resource").path("id").asText());
      }
    }
    List<String> lost = new ArrayList<>(all);
    lost.removeAll(found);
    return lost;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(Duration.ofMinutes(2).toMillis());
    }
    threads.clear();
  }
}
