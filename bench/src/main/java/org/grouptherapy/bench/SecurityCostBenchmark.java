package org.grouptherapy.bench;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * What security and audit cost, measured so that the machine's drift cannot pass for it: two
 * servers from the same jar run side by side, one with security off and one with it on (a system
 * token, every request audited), and every request goes to both, one right after the other (which
 * one first alternates), from the same client thread. Both servers thus see the same moments of a
 * noisy machine, and the p50 of all secured requests over the p50 of all open ones is the cost. The
 * run is cut into blocks (a fresh token each) to show how much the ratio moves; a run in which any
 * request fails is abandoned rather than reported.
 *
 * <p>Arguments (all optional): {@code --patients N --blocks N --chunk N --clients N --warmup N};
 * {@code --chunk} reads per block, a quarter as many searches and creates.
 */
public final class SecurityCostBenchmark {

  private SecurityCostBenchmark() {}

  enum Kind {
    READ("read Patient"),
    SEARCH("search Patient?family&birthdate"),
    CREATE("create Patient");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** One block of one kind of request: the latencies on each server. */
  record Block(Histogram off, Histogram on) {
    double ratio() {
      return p50(on) / p50(off);
    }
  }

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    int patients = options.integer("patients", 1000);
    int blocks = options.integer("blocks", 8);
    int chunk = options.integer("chunk", 4000);
    int clients = options.integer("clients", 4);
    int warmup = options.integer("warmup", 3000);
    List<String> openArgs = List.of("--app.security.enabled=false");
    List<String> securedArgs = List.of("--app.security.demo-identities=true");

    try (ServerProcess open = ServerProcess.start(options.jar(), "cost-open", openArgs);
        ServerProcess secured = ServerProcess.start(options.jar(), "cost-secured", securedArgs)) {
      Side a = new Side("security off", new Workload(open.fhirBase(), clients, null));
      Side b =
          new Side(
              "security on",
              new Workload(
                  secured.fhirBase(), clients, FhirServerBenchmark.token(secured, securedArgs)));
      for (Side side : List.of(a, b)) {
        System.out.printf("%s: %d patients and a warm-up of %d …%n", side.name, patients, warmup);
        side.workload.createPatients(patients, side.ids);
        side.workload.createPatients(warmup / 4, new ArrayList<>());
        side.workload.readPatients(warmup, side.ids);
        side.workload.searchPatients(warmup / 4);
      }

      Map<Kind, List<Block>> results = new EnumMap<>(Kind.class);
      for (int block = 0; block < blocks; block++) {
        b.workload.token(FhirServerBenchmark.token(secured, securedArgs));
        for (Kind kind : Kind.values()) {
          int count = kind == Kind.READ ? chunk : chunk / 4;
          results
              .computeIfAbsent(kind, k -> new ArrayList<>())
              .add(interleaved(kind, count, clients, a, b));
        }
        System.out.printf("block %d of %d done%n", block + 1, blocks);
      }
      options.publish(report(results, patients, blocks, chunk, clients, warmup));
    }
  }

  private record Side(String name, Workload workload, List<String> ids) {
    Side(String name, Workload workload) {
      this(name, workload, new ArrayList<>());
    }

    HttpRequest request(Kind kind, int i) {
      return switch (kind) {
        case READ -> workload.readRequest(i, ids);
        case SEARCH -> workload.searchRequest(i);
        case CREATE -> workload.createRequest(i);
      };
    }
  }

  /**
   * Request {@code i} goes to both servers from one client thread, {@code a} first for even {@code
   * i} and {@code b} first for odd ones.
   */
  private static Block interleaved(Kind kind, int count, int clients, Side a, Side b)
      throws Exception {
    Histogram off = new Histogram(60_000_000_000L, 3);
    Histogram on = new Histogram(60_000_000_000L, 3);
    AtomicReference<String> failure = new AtomicReference<>();
    Workload.concurrently(
        clients,
        count,
        i -> {
          for (Side side : i % 2 == 0 ? List.of(a, b) : List.of(b, a)) {
            HttpRequest request = side.request(kind, i);
            long t0 = System.nanoTime();
            HttpResponse<String> response = side.workload.send(request);
            long elapsed = System.nanoTime() - t0;
            if (response.statusCode() >= 300) {
              failure.compareAndSet(
                  null, kind.label + " on " + side.name + ": HTTP " + response.statusCode());
            }
            Histogram histogram = side == a ? off : on;
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
    return new Block(off, on);
  }

  private static String report(
      Map<Kind, List<Block>> results,
      int patients,
      int blocks,
      int chunk,
      int clients,
      int warmup) {
    StringBuilder md = new StringBuilder();
    md.append("\n## Security and audit cost, interleaved, ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append("\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "Two servers from the same jar on their own embedded databases, security off and"
                    + " on (system token, every request audited), %d patients each, a warm-up of"
                    + " %d reads. Then %d blocks of %d reads, %d searches and %d creates, each"
                    + " request sent to both servers one right after the other from the same client"
                    + " (which first alternates), %d clients. Cost = p50 on / p50 off over all"
                    + " requests; the block ratios show how much it moves.%n%n",
                patients,
                warmup,
                blocks,
                chunk,
                chunk / 4,
                chunk / 4,
                clients))
        .append(
            "| request | requests per server | p50 off (ms) | p50 on (ms) | cost (p50 on / off) |"
                + " block ratios, median (lowest–highest) | p99 off / on (ms) |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (var entry : results.entrySet()) {
      Histogram off = new Histogram(60_000_000_000L, 3);
      Histogram on = new Histogram(60_000_000_000L, 3);
      for (Block block : entry.getValue()) {
        off.add(block.off());
        on.add(block.on());
      }
      double[] ratios = entry.getValue().stream().mapToDouble(Block::ratio).sorted().toArray();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.2f | %.2f | %.3f | %.3f (%.2f–%.2f) | %.1f / %.1f |%n",
              entry.getKey().label,
              off.getTotalCount(),
              p50(off),
              p50(on),
              p50(on) / p50(off),
              median(ratios),
              ratios[0],
              ratios[ratios.length - 1],
              off.getValueAtPercentile(99) / 1e6,
              on.getValueAtPercentile(99) / 1e6));
    }
    return md.toString();
  }

  private static double p50(Histogram histogram) {
    return histogram.getValueAtPercentile(50) / 1e6;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
