package org.grouptherapy.bench;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What security and audit cost, measured so that the machine's drift cannot pass for it: two
 * servers from the same jar run side by side, one with security off and one with it on (a system
 * token, every request audited), and the same chunks of reads, searches and creates go to one and
 * then the other, in ABBA order, pair after pair. The cost is the median over pairs of the p50 of
 * the secured chunk over the p50 of the open chunk next to it.
 *
 * <p>Arguments (all optional): {@code --patients N --pairs N --chunk N --clients N --warmup N}.
 */
public final class SecurityCostBenchmark {

  private SecurityCostBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    int patients = options.integer("patients", 1000);
    int pairs = options.integer("pairs", 10);
    int chunk = options.integer("chunk", 1000);
    int clients = options.integer("clients", 4);
    int warmup = options.integer("warmup", 3000);
    List<String> openArgs = List.of("--app.security.enabled=false");
    List<String> securedArgs = List.of("--app.security.demo-identities=true");

    try (ServerProcess open = ServerProcess.start(options.jar(), "cost-open", openArgs);
        ServerProcess secured = ServerProcess.start(options.jar(), "cost-secured", securedArgs)) {
      Side a = new Side("security off", open, null, clients);
      Side b =
          new Side(
              "security on", secured, FhirServerBenchmark.token(secured, securedArgs), clients);
      for (Side side : List.of(a, b)) {
        System.out.printf("%s: %d patients and a warm-up of %d …%n", side.name, patients, warmup);
        side.workload.createPatients(patients, side.ids);
        side.workload.createPatients(warmup / 4, new ArrayList<>());
        side.workload.readPatients(warmup, side.ids);
        side.workload.searchPatients(warmup / 4);
      }

      Map<String, List<double[]>> p50s = new LinkedHashMap<>();
      for (int pair = 0; pair < pairs; pair++) {
        List<Side> order = pair % 2 == 0 ? List.of(a, b, b, a) : List.of(b, a, a, b);
        Map<Side, List<Workload.Phase>> measured = new LinkedHashMap<>();
        for (int i = 0; i < order.size(); i++) {
          Side side = order.get(i);
          // each side runs twice per pair (ABBA); half a chunk each time
          List<Workload.Phase> phases =
              List.of(
                  side.workload.readPatients(chunk / 2, side.ids),
                  side.workload.searchPatients(chunk / 8),
                  side.workload.createPatients(chunk / 8, new ArrayList<>()));
          measured.computeIfAbsent(side, s -> new ArrayList<>()).addAll(phases);
        }
        for (int phase = 0; phase < 3; phase++) {
          double open1 = measured.get(a).get(phase).p50Millis();
          double open2 = measured.get(a).get(phase + 3).p50Millis();
          double secured1 = measured.get(b).get(phase).p50Millis();
          double secured2 = measured.get(b).get(phase + 3).p50Millis();
          String name = measured.get(a).get(phase).name();
          p50s.computeIfAbsent(name, n -> new ArrayList<>())
              .add(new double[] {(open1 + open2) / 2, (secured1 + secured2) / 2});
        }
        System.out.printf("pair %d of %d done%n", pair + 1, pairs);
      }
      options.publish(report(p50s, patients, pairs, chunk, clients, warmup));
    }
  }

  private record Side(String name, ServerProcess server, Workload workload, List<String> ids) {
    Side(String name, ServerProcess server, String token, int clients) {
      this(name, server, new Workload(server.fhirBase(), clients, token), new ArrayList<>());
    }
  }

  private static String report(
      Map<String, List<double[]>> p50s,
      int patients,
      int pairs,
      int chunk,
      int clients,
      int warmup) {
    StringBuilder md = new StringBuilder();
    md.append("\n## Security and audit cost, side by side, ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append("\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "Two servers from the same jar on their own embedded databases, security off and"
                    + " on (system token, every request audited), %d patients each, a warm-up of"
                    + " %d reads; then %d pairs of ABBA-ordered chunks (%d reads, %d searches, %d"
                    + " creates per server per pair), %d concurrent clients. Cost = median over"
                    + " pairs of (p50 on / p50 off) of chunks run next to each other.%n%n",
                patients,
                warmup,
                pairs,
                chunk,
                chunk / 4,
                chunk / 4,
                clients))
        .append(
            "| request | p50 security off (ms, median) | p50 security on (ms, median) |"
                + " cost (median ratio) | ratios, lowest–highest |\n")
        .append("|---|---:|---:|---:|---:|\n");
    for (var entry : p50s.entrySet()) {
      List<double[]> values = entry.getValue();
      double[] off = values.stream().mapToDouble(v -> v[0]).sorted().toArray();
      double[] on = values.stream().mapToDouble(v -> v[1]).sorted().toArray();
      double[] ratios = values.stream().mapToDouble(v -> v[1] / v[0]).sorted().toArray();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %.2f | %.3f | %.2f–%.2f |%n",
              entry.getKey(),
              median(off),
              median(on),
              median(ratios),
              ratios[0],
              ratios[ratios.length - 1]));
    }
    return md.toString();
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
