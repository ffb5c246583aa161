package org.grouptherapy.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/** The practice-like workload: patient creates, reads by id, and searches by family name. */
final class Workload {

  static final String[] FAMILIES = {
    "Alvarez",
    "Brennan",
    "Castillo",
    "Delgado",
    "Eriksen",
    "Fitzgerald",
    "Gallagher",
    "Hoffman",
    "Ibrahim",
    "Jablonski",
    "Kowalski",
    "Larkin",
    "Moreau",
    "Novak",
    "Patel",
    "Quinlan",
    "Rossi",
    "Sullivan",
    "Tran",
    "Whitaker"
  };
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final int clients;
  private volatile String token;

  /**
   * @param token a bearer token, or null for a server with security off
   */
  Workload(String base, int clients, String token) {
    this.base = base;
    this.clients = clients;
    this.token = token;
  }

  /** Creates {@code count} patients and returns the timings and their ids. */
  Phase createPatients(int count, List<String> ids) throws Exception {
    List<String> created = Collections.synchronizedList(new ArrayList<>());
    Phase phase =
        run(
            "create Patient",
            count,
            this::createRequest,
            response -> {
              Matcher m = ID.matcher(response);
              if (m.find()) {
                created.add(m.group(1));
              }
            });
    ids.addAll(created);
    return phase;
  }

  Phase readPatients(int count, List<String> ids) throws Exception {
    return run("read Patient", count, i -> readRequest(i, ids), response -> {});
  }

  /**
   * Searches by family name and birth year, a different query each time: a VA looks up one person
   * after another. (Repeating one query would measure the reuse of saved searches: HAPI's for a
   * minute whatever was written since, this server's only while nothing was written since.)
   */
  Phase searchPatients(int count) throws Exception {
    return run("search Patient?family&birthdate", count, this::searchRequest, response -> {});
  }

  HttpRequest createRequest(int i) {
    String body =
        "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:bench\",\"value\":\"p"
            + i
            + "-"
            + System.nanoTime()
            + "\"}],\"name\":[{\"family\":\""
            + FAMILIES[i % FAMILIES.length]
            + "\",\"given\":[\"Bench"
            + i
            + "\"]}],\"gender\":\""
            + (i % 2 == 0 ? "female" : "male")
            + "\",\"birthDate\":\"19"
            + (50 + i % 50)
            + "-0"
            + (1 + i % 9)
            + "-1"
            + (i % 9)
            + "\"}";
    return HttpRequest.newBuilder(URI.create(base + "/Patient"))
        .header("Content-Type", "application/fhir+json")
        .header("Prefer", "return=representation")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  HttpRequest readRequest(int i, List<String> ids) {
    return HttpRequest.newBuilder(URI.create(base + "/Patient/" + ids.get((i * 7919) % ids.size())))
        .GET()
        .build();
  }

  HttpRequest searchRequest(int i) {
    return HttpRequest.newBuilder(
            URI.create(
                base
                    + "/Patient?family="
                    + FAMILIES[i % FAMILIES.length]
                    + "&birthdate=ge19"
                    + (50 + (i / FAMILIES.length) % 50)
                    + "&_count=20"))
        .GET()
        .build();
  }

  /** Sends a request (with the bearer token, if any); the response, or an exception. */
  HttpResponse<String> send(HttpRequest request) throws Exception {
    String bearer = token;
    if (bearer != null) {
      request =
          HttpRequest.newBuilder(request, (header, value) -> true)
              .header("Authorization", "Bearer " + bearer)
              .build();
    }
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** A fresh token for a long run (tokens live 15 minutes). */
  void token(String token) {
    this.token = token;
  }

  private Phase run(
      String name,
      int count,
      IntFunction<HttpRequest> request,
      java.util.function.Consumer<String> onBody)
      throws Exception {
    Histogram histogram = new Histogram(60_000_000_000L, 3);
    AtomicInteger failures = new AtomicInteger();
    long started = System.nanoTime();
    concurrently(
        clients,
        count,
        i -> {
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> response = send(request.apply(i));
            if (response.statusCode() >= 300) {
              failures.incrementAndGet();
            } else {
              onBody.accept(response.body());
            }
          } catch (Exception e) {
            failures.incrementAndGet();
          }
          synchronized (histogram) {
            histogram.recordValue(System.nanoTime() - t0);
          }
          return true;
        });
    double seconds = (System.nanoTime() - started) / 1e9;
    return new Phase(
        name,
        count,
        failures.get(),
        count / seconds,
        histogram.getValueAtPercentile(50) / 1e6,
        histogram.getValueAtPercentile(99) / 1e6);
  }

  /** Work on request {@code i}; false stops the thread that runs it. */
  interface Indexed {
    boolean run(int i) throws Exception;
  }

  /**
   * Runs {@code work} for {@code 0 … count-1} on {@code clients} threads, each taking the next
   * index, and returns when all are done (rethrowing the first failure).
   */
  static void concurrently(int clients, int count, Indexed work) throws Exception {
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        workers.add(
            pool.submit(
                () -> {
                  int i;
                  while ((i = next.getAndIncrement()) < count && work.run(i)) {
                    // next
                  }
                  return null;
                }));
      }
      for (Future<?> worker : workers) {
        worker.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  record Phase(
      String name,
      int requests,
      int failures,
      double perSecond,
      double p50Millis,
      double p99Millis) {}
}
